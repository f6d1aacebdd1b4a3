#include "analysis/report_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <utility>

#include "analysis/comparison_table.hpp"

namespace genops::analysis {

namespace {

// ---- Text helpers ------------------------------------------------------------------------------

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) {
    return "n/a";
  }
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string percent(double rate, int decimals = 1) {
  return fixed(100.0 * rate, decimals) + "%";
}

std::string grouped(std::uint64_t value) {
  return grouped_count(value);
}

// Tick label: integers without decimals, small values with up to 3 significant digits.
std::string tick_label(double value) {
  char text[32];
  if (std::fabs(value) >= 1000 && std::fabs(value - std::round(value)) < 1e-9) {
    std::snprintf(text, sizeof(text), "%.0f", value);
  } else {
    std::snprintf(text, sizeof(text), "%.3g", value);
  }
  return text;
}

// Colour per strategy position (the baseline first): colour-blind-safe palette.
const char* colour(std::size_t index) {
  static constexpr const char* kPalette[] = {"#d1495b", "#2e86ab", "#edae49", "#66a182",
                                             "#8d6a9f", "#00798c", "#6c757d"};
  return kPalette[index % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

// ---- A small SVG chart -------------------------------------------------------------------------

struct Point {
  double x = 0;
  double y = 0;
};

// A legend entry: a filled box (bars, strategies) or a line sample (solid / dashed).
enum class Swatch { Box, Solid, Dashed };
struct LegendEntry {
  // A constructor, not only an aggregate: clang 14 (the fuzz preset) has no parenthesised
  // aggregate initialisation for emplace_back.
  LegendEntry(std::string label_text, std::string colour_text, Swatch kind = Swatch::Box)
      : label(std::move(label_text)), colour(std::move(colour_text)), swatch(kind) {}
  std::string label;
  std::string colour;
  Swatch swatch = Swatch::Box;
};

struct Series {
  std::string name;
  std::string colour;
  std::vector<Point> points;
  bool dashed = false;
  bool step = false;  // draw as a step function (ECDF)
};

std::vector<double> nice_ticks(double low, double high, int wanted) {
  if (!(high > low)) {
    return {low};
  }
  const double raw = (high - low) / wanted;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (factor * magnitude >= raw) {
      step = factor * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step - 1e-9) * step; tick <= high + step * 1e-9;
       tick += step) {
    ticks.push_back(std::fabs(tick) < step * 1e-9 ? 0.0 : tick);
  }
  return ticks;
}

class Chart {
 public:
  Chart(std::string title, std::string x_label, std::string y_label, int width = 640,
        int height = 330)
      : title_(std::move(title)),
        x_label_(std::move(x_label)),
        y_label_(std::move(y_label)),
        width_(width),
        height_(height) {}

  void x_range(double low, double high, bool log_scale = false) {
    x_low_ = low;
    x_high_ = high;
    log_x_ = log_scale;
  }
  void y_range(double low, double high) {
    y_low_ = low;
    y_high_ = high;
  }
  // Category axis: bars are placed at 0..n-1 and labelled.
  void categories(std::vector<std::string> labels) {
    categories_ = std::move(labels);
    x_low_ = -0.5;
    x_high_ = static_cast<double>(categories_.size()) - 0.5;
  }
  void add(Series series) { series_.push_back(std::move(series)); }
  // A bar centred at x (category units) of the given width, with an optional interval.
  void bar(double x, double width, double value, const std::string& fill, double low = NAN,
           double high = NAN, const std::string& label = {}) {
    bars_.push_back(Bar{x, width, value, fill, low, high, label});
  }
  void legend(std::vector<LegendEntry> entries) { legend_ = std::move(entries); }
  // A vertical dashed marker at x.
  void marker(double x, const std::string& stroke) { markers_.emplace_back(x, stroke); }
  // A shaded band between two curves on the same x values (confidence intervals).
  void band(const std::string& fill, std::vector<Point> low, std::vector<Point> high) {
    bands_.push_back(Band{fill, std::move(low), std::move(high)});
  }

  std::string svg() const {
    layout();
    std::ostringstream out;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << width_ << ' '
        << total_height_ << "\" width=\"" << width_ << "\" height=\"" << total_height_
        << "\" role=\"img\" aria-label=\"" << escape(title_) << "\">\n";
    out << "<title>" << escape(title_) << "</title>\n";
    out << "<rect x=\"0\" y=\"0\" width=\"" << width_ << "\" height=\"" << total_height_
        << "\" fill=\"#ffffff\"/>\n";
    out << "<text x=\"" << kLeft << "\" y=\"18\" class=\"chart-title\">" << escape(title_)
        << "</text>\n";
    axes(out);
    out << "<g clip-path=\"none\">\n";
    for (const Band& band : bands_) {
      draw_band(out, band);
    }
    for (const Bar& bar : bars_) {
      draw_bar(out, bar);
    }
    for (const auto& [x, stroke] : markers_) {
      const double px = map_x(x);
      out << "<line x1=\"" << fixed(px, 1) << "\" y1=\"" << top_ << "\" x2=\"" << fixed(px, 1)
          << "\" y2=\"" << total_height_ - bottom_ << "\" stroke=\"" << stroke
          << "\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n";
    }
    for (const Series& series : series_) {
      draw_series(out, series);
    }
    out << "</g>\n";
    draw_legend(out);
    out << "</svg>\n";
    return out.str();
  }

 private:
  static constexpr int kLeft = 64;
  static constexpr int kRight = 16;
  static constexpr int kBaseTop = 50;     // title and one legend row
  static constexpr int kBaseBottom = 46;  // tick labels and the axis label
  static constexpr double kLegendRow = 15;

  struct LegendPlacement {
    LegendEntry entry;
    double x;
    double y;
  };

  struct Bar {
    double x;
    double width;
    double value;
    std::string fill;
    double low;
    double high;
    std::string label;
  };

  struct Band {
    std::string fill;
    std::vector<Point> low;
    std::vector<Point> high;
  };

  void draw_band(std::ostringstream& out, const Band& band) const {
    std::ostringstream path;
    for (std::size_t i = 0; i < band.high.size(); ++i) {
      path << (i == 0 ? 'M' : 'L') << fixed(map_x(band.high[i].x), 1) << ' '
           << fixed(map_y(band.high[i].y), 1);
    }
    for (std::size_t i = band.low.size(); i-- > 0;) {
      path << 'L' << fixed(map_x(band.low[i].x), 1) << ' ' << fixed(map_y(band.low[i].y), 1);
    }
    out << "<path d=\"" << path.str() << "Z\" fill=\"" << band.fill
        << "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
  }

  double plot_width() const { return width_ - kLeft - kRight; }
  double plot_height() const { return height_ - kBaseTop - kBaseBottom; }
  double x_fraction(double x) const {
    if (log_x_) {
      return (std::log10(x) - std::log10(x_low_)) / (std::log10(x_high_) - std::log10(x_low_));
    }
    return (x - x_low_) / (x_high_ - x_low_);
  }
  double map_x(double x) const { return kLeft + x_fraction(x) * plot_width(); }
  double map_y(double y) const {
    const double fraction = (y - y_low_) / (y_high_ - y_low_);
    return top_ + (1.0 - std::clamp(fraction, 0.0, 1.0)) * plot_height();
  }

  void axes(std::ostringstream& out) const {
    const double bottom = total_height_ - bottom_;
    // Horizontal grid and y ticks.
    for (const double tick : nice_ticks(y_low_, y_high_, 5)) {
      const double y = map_y(tick);
      out << "<line x1=\"" << kLeft << "\" y1=\"" << fixed(y, 1) << "\" x2=\"" << width_ - kRight
          << "\" y2=\"" << fixed(y, 1) << "\" class=\"grid\"/>\n";
      out << "<text x=\"" << kLeft - 6 << "\" y=\"" << fixed(y + 4, 1)
          << "\" class=\"tick\" text-anchor=\"end\">" << tick_label(tick) << "</text>\n";
    }
    // x ticks.
    if (!categories_.empty()) {
      for (std::size_t index = 0; index < categories_.size(); ++index) {
        const double x = map_x(static_cast<double>(index));
        if (rotate_labels_) {
          out << "<text transform=\"translate(" << fixed(x + 4, 1) << ' ' << bottom + 12
              << ") rotate(-25)\" class=\"tick\" text-anchor=\"end\">" << escape(categories_[index])
              << "</text>\n";
        } else {
          out << "<text x=\"" << fixed(x, 1) << "\" y=\"" << bottom + 16
              << "\" class=\"tick\" text-anchor=\"middle\">" << escape(categories_[index])
              << "</text>\n";
        }
      }
    } else if (log_x_) {
      const int first = static_cast<int>(std::floor(std::log10(x_low_) + 1e-9));
      const int last = static_cast<int>(std::floor(std::log10(x_high_) + 1e-9));
      for (int decade = first; decade <= last; ++decade) {
        for (const int multiple : {1, 2, 5}) {
          const double value = multiple * std::pow(10.0, decade);
          if (value < x_low_ * (1 - 1e-9) || value > x_high_ * (1 + 1e-9)) {
            continue;
          }
          const double x = map_x(value);
          const char* kind = multiple == 1 ? "" : " minor";
          out << "<line x1=\"" << fixed(x, 1) << "\" y1=\"" << top_ << "\" x2=\"" << fixed(x, 1)
              << "\" y2=\"" << bottom << "\" class=\"grid" << kind << "\"/>\n";
          out << "<text x=\"" << fixed(x, 1) << "\" y=\"" << bottom + 16 << "\" class=\"tick"
              << kind << "\" text-anchor=\"middle\">" << tick_label(value) << "</text>\n";
        }
      }
    } else {
      for (const double tick : nice_ticks(x_low_, x_high_, 8)) {
        const double x = map_x(tick);
        out << "<line x1=\"" << fixed(x, 1) << "\" y1=\"" << bottom << "\" x2=\"" << fixed(x, 1)
            << "\" y2=\"" << bottom + 4 << "\" stroke=\"#333\"/>\n";
        out << "<text x=\"" << fixed(x, 1) << "\" y=\"" << bottom + 16
            << "\" class=\"tick\" text-anchor=\"middle\">" << tick_label(tick) << "</text>\n";
      }
    }
    out << "<line x1=\"" << kLeft << "\" y1=\"" << bottom << "\" x2=\"" << width_ - kRight
        << "\" y2=\"" << bottom << "\" stroke=\"#333\"/>\n";
    out << "<line x1=\"" << kLeft << "\" y1=\"" << top_ << "\" x2=\"" << kLeft << "\" y2=\""
        << bottom << "\" stroke=\"#333\"/>\n";
    out << "<text x=\"" << fixed(kLeft + plot_width() / 2, 1) << "\" y=\"" << total_height_ - 8
        << "\" class=\"axis-label\" text-anchor=\"middle\">" << escape(x_label_) << "</text>\n";
    out << "<text transform=\"translate(14 " << fixed(top_ + plot_height() / 2, 1)
        << ") rotate(-90)\" class=\"axis-label\" text-anchor=\"middle\">" << escape(y_label_)
        << "</text>\n";
  }

  void draw_bar(std::ostringstream& out, const Bar& bar) const {
    const double left = map_x(bar.x - bar.width / 2);
    const double right = map_x(bar.x + bar.width / 2);
    const double top = map_y(std::max(bar.value, y_low_));
    const double base = map_y(y_low_);
    out << "<rect x=\"" << fixed(left, 1) << "\" y=\"" << fixed(top, 1) << "\" width=\""
        << fixed(right - left, 1) << "\" height=\"" << fixed(std::max(0.0, base - top), 1)
        << "\" fill=\"" << bar.fill << "\"/>\n";
    const double centre = (left + right) / 2;
    double label_y = top - 4;
    if (std::isfinite(bar.low) && std::isfinite(bar.high)) {
      const double low = map_y(bar.low);
      const double high = map_y(bar.high);
      out << "<path d=\"M" << fixed(centre, 1) << ' ' << fixed(low, 1) << "V" << fixed(high, 1)
          << "M" << fixed(centre - 5, 1) << ' ' << fixed(low, 1) << "h10M" << fixed(centre - 5, 1)
          << ' ' << fixed(high, 1)
          << "h10\" stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\"/>\n";
      label_y = std::min(label_y, high - 4);
    }
    if (!bar.label.empty() && right - left >= 22) {  // no room for a label on thinner bars
      out << "<text x=\"" << fixed(centre, 1) << "\" y=\"" << fixed(label_y, 1)
          << "\" class=\"value\" text-anchor=\"middle\">" << escape(bar.label) << "</text>\n";
    }
  }

  void draw_series(std::ostringstream& out, const Series& series) const {
    if (series.points.empty()) {
      return;
    }
    std::ostringstream path;
    bool first = true;
    double previous_y = 0;
    for (const Point& point : series.points) {
      if (log_x_ && point.x <= 0) {
        continue;
      }
      const double x = map_x(std::clamp(point.x, x_low_, x_high_));
      const double y = map_y(point.y);
      if (first) {
        path << 'M' << fixed(x, 1) << ' ' << fixed(y, 1);
        first = false;
      } else if (series.step) {
        path << 'H' << fixed(x, 1) << 'V' << fixed(y, 1);
      } else {
        path << 'L' << fixed(x, 1) << ' ' << fixed(y, 1);
      }
      previous_y = y;
    }
    static_cast<void>(previous_y);
    out << "<path d=\"" << path.str() << "\" fill=\"none\" stroke=\"" << series.colour
        << "\" stroke-width=\"2\"" << (series.dashed ? " stroke-dasharray=\"6 4\"" : "")
        << " stroke-linejoin=\"round\"/>\n";
  }

  // Legend rows under the title (wrapped to the chart width), the plot below them, and room
  // for rotated category labels when they do not fit side by side.
  void layout() const {
    std::vector<LegendEntry> entries = legend_;
    if (entries.empty()) {
      for (const Series& series : series_) {
        entries.push_back(LegendEntry{series.name, series.colour,
                                      series.dashed ? Swatch::Dashed : Swatch::Solid});
      }
    }
    legend_layout_.clear();
    double x = kLeft;
    double y = 36;
    for (const LegendEntry& entry : entries) {
      const double swatch_width = entry.swatch == Swatch::Box ? 16 : 22;
      const double width = swatch_width + 6.3 * static_cast<double>(entry.label.size()) + 18;
      if (x > kLeft && x + width - 18 > width_ - kRight) {
        x = kLeft;
        y += kLegendRow;
      }
      legend_layout_.push_back(LegendPlacement{entry, x, y});
      x += width;
    }
    top_ = kBaseTop + static_cast<int>(y - 36);
    std::size_t longest = 0;
    for (const std::string& label : categories_) {
      longest = std::max(longest, label.size());
    }
    const double slot =
        categories_.empty() ? 0 : plot_width() / static_cast<double>(categories_.size());
    rotate_labels_ = !categories_.empty() && 6.2 * static_cast<double>(longest) > slot - 4;
    bottom_ =
        kBaseBottom + (rotate_labels_ ? static_cast<int>(2.7 * static_cast<double>(longest)) : 0);
    total_height_ = height_ + (top_ - kBaseTop) + (bottom_ - kBaseBottom);
  }

  void draw_legend(std::ostringstream& out) const {
    for (const LegendPlacement& placement : legend_layout_) {
      const LegendEntry& entry = placement.entry;
      const double x = placement.x;
      const double row = placement.y;
      if (entry.swatch == Swatch::Box) {
        out << "<rect x=\"" << fixed(x, 1) << "\" y=\"" << fixed(row - 9, 1)
            << "\" width=\"12\" height=\"10\" fill=\"" << entry.colour << "\"/>\n";
      } else {
        out << "<line x1=\"" << fixed(x, 1) << "\" y1=\"" << fixed(row - 4, 1) << "\" x2=\""
            << fixed(x + 18, 1) << "\" y2=\"" << fixed(row - 4, 1) << "\" stroke=\"" << entry.colour
            << "\" stroke-width=\"2\""
            << (entry.swatch == Swatch::Dashed ? " stroke-dasharray=\"5 3\"" : "") << "/>\n";
      }
      const double swatch_width = entry.swatch == Swatch::Box ? 16 : 22;
      out << "<text x=\"" << fixed(x + swatch_width, 1) << "\" y=\"" << fixed(row, 1)
          << "\" class=\"legend\">" << escape(entry.label) << "</text>\n";
    }
  }

  std::string title_;
  std::string x_label_;
  std::string y_label_;
  int width_;
  int height_;
  double x_low_ = 0;
  double x_high_ = 1;
  double y_low_ = 0;
  double y_high_ = 1;
  bool log_x_ = false;
  std::vector<std::string> categories_;
  std::vector<Series> series_;
  std::vector<Bar> bars_;
  std::vector<LegendEntry> legend_;
  std::vector<std::pair<double, std::string>> markers_;
  std::vector<Band> bands_;
  // Computed by layout() at the start of svg().
  mutable std::vector<LegendPlacement> legend_layout_;
  mutable int top_ = kBaseTop;
  mutable int bottom_ = kBaseBottom;
  mutable int total_height_ = 0;
  mutable bool rotate_labels_ = false;
};

// ---- Data preparation --------------------------------------------------------------------------

constexpr double kMinutesPerDay = 1440.0;
constexpr double kMinutesPerWeek = 7.0 * kMinutesPerDay;

// Pooled deployments of one strategy (views, no copies).
std::vector<const results::RunRecords*> runs_of(const results::StudyRecords& study,
                                                std::size_t strategy) {
  std::vector<const results::RunRecords*> runs;
  for (std::uint32_t r = 0; r < study.provenance.replications; ++r) {
    runs.push_back(&study.run(strategy, r));
  }
  return runs;
}

std::vector<double> sorted_cycle_times(const results::StudyRecords& study, std::size_t strategy) {
  std::vector<double> cycles;
  for (const results::RunRecords* run : runs_of(study, strategy)) {
    for (const models::DeploymentRecord& record : run->deployments) {
      if (record.outcome != models::Outcome::InFlight)  // censored at the horizon
        cycles.push_back(record.cycle_time_min);
    }
  }
  std::sort(cycles.begin(), cycles.end());
  return cycles;
}

struct ArmView {
  std::size_t index;  // in study.provenance.strategies
  std::string name;
  std::string colour;
};

std::vector<ArmView> arm_views(const results::StudyRecords& study,
                               const ComparisonReport& comparison) {
  std::vector<ArmView> arms;
  for (std::size_t position = 0; position < comparison.arms.size(); ++position) {
    const std::string& name = comparison.arms[position].strategy;
    arms.push_back(ArmView{study.strategy_index(name), name, colour(position)});
  }
  return arms;
}

// The largest 1-2-5 step value <= value, or the smallest >= value.
double round_125(double value, bool up) {
  const double decade = std::pow(10.0, std::floor(std::log10(value)));
  const double steps[] = {1.0, 2.0, 5.0, 10.0};
  if (up) {
    for (const double step : steps) {
      if (step * decade >= value * (1 - 1e-12)) {
        return step * decade;
      }
    }
    return 10 * decade;
  }
  for (auto step = std::rbegin(steps); step != std::rend(steps); ++step) {
    if (*step * decade <= value * (1 + 1e-12)) {
      return *step * decade;
    }
  }
  return decade;
}

// A log-axis range around the positive values (1-2-5 rounded).
std::pair<double, double> positive_range(const std::vector<std::vector<double>>& sorted_sets) {
  double low = INFINITY;
  double high = 0;
  for (const auto& values : sorted_sets) {
    for (const double value : values) {
      if (value > 0) {
        low = std::min(low, value);
        break;
      }
    }
    if (!values.empty()) {
      high = std::max(high, values.back());
    }
  }
  if (!std::isfinite(low) || high <= 0) {
    return {1.0, 10.0};
  }
  return {round_125(low, false), std::max(round_125(high, true), round_125(low, false) * 10)};
}

std::string ecdf_chart(const results::StudyRecords& study, const std::vector<ArmView>& arms,
                       const ComparisonReport& comparison) {
  std::vector<std::vector<double>> cycles;
  for (const ArmView& arm : arms) {
    cycles.push_back(sorted_cycle_times(study, arm.index));
  }
  const auto [low, high] = positive_range(cycles);
  Chart chart("Cycle time ECDF (all replications pooled; dashed: medians)",
              "cycle time, minutes (log scale)", "share of deployments ≤ x (%)", 640, 340);
  chart.x_range(low, high, true);
  chart.y_range(0, 100);
  std::vector<LegendEntry> legend;
  constexpr std::size_t kPoints = 400;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    const std::vector<double>& values = cycles[a];
    Series series{arms[a].name, arms[a].colour, {}, false, true};
    const std::size_t n = values.size();
    if (n > 0) {
      const std::size_t points = std::min(n, kPoints);
      for (std::size_t k = 0; k < points; ++k) {
        const std::size_t index = points == 1 ? 0 : k * (n - 1) / (points - 1);
        series.points.push_back(
            Point{values[index], 100.0 * static_cast<double>(index + 1) / static_cast<double>(n)});
      }
      chart.marker(comparison.arms[a].summary.median_cycle_time_min, arms[a].colour);
    }
    legend.emplace_back(arms[a].name + " (median " +
                            fixed(comparison.arms[a].summary.median_cycle_time_min, 1) + " min)",
                        arms[a].colour);
    chart.add(std::move(series));
  }
  chart.legend(legend);
  return chart.svg();
}

std::string histogram_chart(const results::StudyRecords& study, const std::vector<ArmView>& arms) {
  std::vector<std::vector<double>> cycles;
  for (const ArmView& arm : arms) {
    cycles.push_back(sorted_cycle_times(study, arm.index));
  }
  const auto [low, high] = positive_range(cycles);
  constexpr int kBinsPerDecade = 8;
  const int bins = std::max(
      1, static_cast<int>(std::ceil((std::log10(high) - std::log10(low)) * kBinsPerDecade - 1e-9)));
  const double log_low = std::log10(low);
  const double bin_width = (std::log10(high) - log_low) / bins;
  Chart chart("Cycle time histogram (log-spaced bins, share of each strategy's deployments)",
              "cycle time, minutes (log scale)", "share of deployments per bin (%)", 640, 340);
  chart.x_range(low, high, true);
  double top = 0;
  std::vector<Series> all;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    std::vector<double> counts(static_cast<std::size_t>(bins), 0.0);
    for (const double value : cycles[a]) {
      const double position = (std::log10(std::max(value, low)) - log_low) / bin_width;
      const auto bin = static_cast<std::size_t>(std::clamp(position, 0.0, bins - 1.0));
      counts[bin] += 1.0;
    }
    Series series{arms[a].name, arms[a].colour, {}, false, true};
    const double n = std::max<double>(1.0, static_cast<double>(cycles[a].size()));
    for (int bin = 0; bin < bins; ++bin) {
      const double share = 100.0 * counts[static_cast<std::size_t>(bin)] / n;
      top = std::max(top, share);
      const double left = std::pow(10.0, log_low + bin * bin_width);
      series.points.push_back(Point{left, share});
      if (bin == bins - 1) {
        series.points.push_back(Point{high, share});
      }
    }
    all.push_back(std::move(series));
  }
  chart.y_range(0, std::max(1.0, top * 1.1));
  for (Series& series : all) {
    chart.add(std::move(series));
  }
  return chart.svg();
}

std::string success_chart(const ComparisonReport& comparison, const std::vector<ArmView>& arms) {
  Chart chart("Success rate with 95% Wilson CI", "", "success rate (%)", 420, 330);
  std::vector<std::string> names;
  for (const ArmView& arm : arms) {
    names.push_back(arm.name);
  }
  chart.categories(names);
  chart.y_range(0, 100);
  for (std::size_t a = 0; a < arms.size(); ++a) {
    const RateEstimate& rate = comparison.arms[a].success;
    chart.bar(static_cast<double>(a), 0.55, 100 * rate.rate, arms[a].colour, 100 * rate.ci.low,
              100 * rate.ci.high, percent(rate.rate, 1));
  }
  chart.legend({LegendEntry{"pooled rate; whisker: Wilson CI", "#9aa3b2"}});
  return chart.svg();
}

std::string failure_modes_chart(const ComparisonReport& comparison,
                                const std::vector<ArmView>& arms) {
  Chart chart("Rollback, failure and block rates with 95% Wilson CI", "",
              "share of deployments (%)", 640, 330);
  chart.categories({"rolled back", "failed", "blocked"});
  double top = 0;
  for (const ArmSummary& arm : comparison.arms) {
    for (const RateEstimate* rate : {&arm.rollback, &arm.failure, &arm.block}) {
      top = std::max(top, 100 * rate->ci.high);
    }
  }
  chart.y_range(0, std::max(1.0, top * 1.2));
  const double group = 0.8;
  const double width = group / static_cast<double>(std::max<std::size_t>(1, arms.size()));
  std::vector<LegendEntry> legend;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    const ArmSummary& arm = comparison.arms[a];
    const RateEstimate* rates[] = {&arm.rollback, &arm.failure, &arm.block};
    for (std::size_t category = 0; category < 3; ++category) {
      const double x =
          static_cast<double>(category) - group / 2 + width * (static_cast<double>(a) + 0.5);
      chart.bar(x, width * 0.9, 100 * rates[category]->rate, arms[a].colour,
                100 * rates[category]->ci.low, 100 * rates[category]->ci.high,
                percent(rates[category]->rate, 1));
    }
    legend.emplace_back(arms[a].name, arms[a].colour);
  }
  chart.legend(legend);
  return chart.svg();
}

std::string catch_point_chart(const ComparisonReport& comparison,
                              const std::vector<ArmView>& arms) {
  // Shares of issues (defects that survived CI) by where they were stopped: grouped bars.
  const std::vector<std::pair<models::CatchPoint, std::string>> points = {
      {models::CatchPoint::HumanReview, "human review"},
      {models::CatchPoint::AiReview, "AI review"},
      {models::CatchPoint::Canary, "canary"},
      {models::CatchPoint::Verification, "verification"},
      {models::CatchPoint::Escaped, "escaped"},
      {models::CatchPoint::NotDeployed, "not deployed"}};
  Chart chart("Where defects that survived CI were stopped (share of issues)", "",
              "share of issues (%)", 640, 330);
  std::vector<std::string> labels;
  for (const auto& point : points) {
    labels.push_back(point.second);
  }
  chart.categories(labels);
  chart.y_range(0, 100);
  const double group = 0.8;
  const double width = group / static_cast<double>(std::max<std::size_t>(1, arms.size()));
  std::vector<LegendEntry> legend;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    const models::StrategySummary& summary = comparison.arms[a].summary;
    for (std::size_t p = 0; p < points.size(); ++p) {
      const std::uint64_t caught = summary.caught_at[static_cast<std::size_t>(points[p].first)];
      const double share = summary.issues > 0
                               ? static_cast<double>(caught) / static_cast<double>(summary.issues)
                               : 0.0;
      const double x = static_cast<double>(p) - group / 2 + width * (static_cast<double>(a) + 0.5);
      Interval ci{NAN, NAN};
      if (summary.issues > 0) {
        ci = wilson_interval(caught, summary.issues);
      }
      chart.bar(x, width * 0.9, 100 * share, arms[a].colour, 100 * ci.low, 100 * ci.high,
                fixed(100 * share, 1));
    }
    legend.emplace_back(arms[a].name + " (" + grouped(summary.issues) + " issues)", arms[a].colour);
  }
  chart.legend(legend);
  return chart.svg();
}

std::string canary_stage_chart(const results::StudyRecords& study,
                               const std::vector<ArmView>& arms) {
  // Issues rolled back by a canary stage, by the stage that caught them (stages passed before).
  std::map<int, std::map<double, std::uint64_t>> traffic_by_stage;
  std::vector<std::map<int, std::uint64_t>> caught(arms.size());
  int last_stage = 0;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    for (const results::RunRecords* run : runs_of(study, arms[a].index)) {
      for (const models::DeploymentRecord& record : run->deployments) {
        if (record.catch_point == models::CatchPoint::Canary) {
          const int stage = record.canary_stage_reached;
          ++caught[a][stage];
          last_stage = std::max(last_stage, stage);
        }
      }
      for (const models::CanaryStageRecord& stage : run->stages) {
        ++traffic_by_stage[stage.stage][stage.traffic_percent];
      }
    }
  }
  std::vector<std::string> labels;
  for (int stage = 0; stage <= last_stage; ++stage) {
    std::string label = "stage " + std::to_string(stage + 1);
    const auto found = traffic_by_stage.find(stage);
    if (found != traffic_by_stage.end() && !found->second.empty()) {
      const auto common = std::max_element(
          found->second.begin(), found->second.end(),
          [](const auto& left, const auto& right) { return left.second < right.second; });
      label += " (" + tick_label(common->first) + "%)";
    }
    labels.push_back(label);
  }
  const double replications = std::max(1.0, static_cast<double>(study.provenance.replications));
  double top = 0;
  for (const auto& counts : caught) {
    for (const auto& [stage, value] : counts) {
      top = std::max(top, static_cast<double>(value) / replications);
    }
  }
  Chart chart("Canary catch by stage (issues rolled back at each stage, mean per replication)",
              "canary stage (most common traffic share)", "issues per replication", 640, 330);
  chart.categories(labels);
  chart.y_range(0, std::max(1.0, top * 1.2));
  const double group = 0.8;
  const double width = group / static_cast<double>(std::max<std::size_t>(1, arms.size()));
  std::vector<LegendEntry> legend;
  for (std::size_t a = 0; a < arms.size(); ++a) {
    std::uint64_t total = 0;
    for (int stage = 0; stage <= last_stage; ++stage) {
      const auto found = caught[a].find(stage);
      const double value =
          found == caught[a].end() ? 0.0 : static_cast<double>(found->second) / replications;
      total += found == caught[a].end() ? 0 : found->second;
      const double x =
          static_cast<double>(stage) - group / 2 + width * (static_cast<double>(a) + 0.5);
      chart.bar(x, width * 0.9, value, arms[a].colour, NAN, NAN, fixed(value, 1));
    }
    legend.emplace_back(arms[a].name + " (" + grouped(total) + " in all)", arms[a].colour);
  }
  chart.legend(legend);
  return chart.svg();
}

// Mean per replication of a per-week quantity of deployments (week of arrival).
template <typename Value, typename Keep>
std::vector<Point> weekly(const results::StudyRecords& study, std::size_t strategy, Value value,
                          Keep keep, bool average_over_deployments) {
  std::map<long, std::pair<double, double>> sums;  // week -> (sum, count)
  for (const results::RunRecords* run : runs_of(study, strategy)) {
    for (const models::DeploymentRecord& record : run->deployments) {
      if (!keep(record)) {
        continue;
      }
      const long week = static_cast<long>(std::floor(record.arrival_min / kMinutesPerWeek));
      auto& [sum, count] = sums[week];
      sum += value(record);
      count += 1.0;
    }
  }
  std::vector<Point> points;
  const double replications = std::max(1.0, static_cast<double>(study.provenance.replications));
  for (const auto& [week, sum_count] : sums) {
    const double y = average_over_deployments ? sum_count.first / sum_count.second
                                              : sum_count.first / replications;
    points.push_back(Point{static_cast<double>(week + 1), y});
  }
  return points;
}

double max_y(const std::vector<Series>& series) {
  double top = 0;
  for (const Series& s : series) {
    for (const Point& point : s.points) {
      top = std::max(top, point.y);
    }
  }
  return top;
}

double max_x(const std::vector<Series>& series) {
  double right = 1;
  for (const Series& s : series) {
    for (const Point& point : s.points) {
      right = std::max(right, point.x);
    }
  }
  return right;
}

std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::string& y_label, std::vector<Series> series, double x_low,
                       std::vector<LegendEntry> legend = {}, double y_top = NAN) {
  Chart chart(title, x_label, y_label, 640, 330);
  chart.x_range(x_low, max_x(series));
  chart.y_range(0, std::isfinite(y_top) ? y_top : std::max(1e-9, max_y(series) * 1.1));
  for (Series& s : series) {
    chart.add(std::move(s));
  }
  chart.legend(std::move(legend));
  return chart.svg();
}

std::string deployments_per_week_chart(const results::StudyRecords& study,
                                       const std::vector<ArmView>& arms) {
  std::vector<Series> series;
  std::vector<LegendEntry> legend;
  for (const ArmView& arm : arms) {
    series.push_back(
        Series{.name = arm.name + " finished",
               .colour = arm.colour,
               .points = weekly(
                   study, arm.index, [](const models::DeploymentRecord&) { return 1.0; },
                   [](const models::DeploymentRecord& r) {
                     return r.outcome != models::Outcome::InFlight;
                   },
                   false),
               .dashed = false,
               .step = false});
    series.push_back(
        Series{.name = arm.name + " succeeded",
               .colour = arm.colour,
               .points = weekly(
                   study, arm.index, [](const models::DeploymentRecord&) { return 1.0; },
                   [](const models::DeploymentRecord& r) {
                     return r.outcome == models::Outcome::Succeeded;
                   },
                   false),
               .dashed = true,
               .step = false});
    legend.emplace_back(arm.name, arm.colour);
  }
  legend.push_back(LegendEntry{"finished", "#555555", Swatch::Solid});
  legend.push_back(LegendEntry{"succeeded", "#555555", Swatch::Dashed});
  return line_chart("Deployments per week (by week of arrival, mean per replication)",
                    "week of the study", "deployments per week", std::move(series), 1,
                    std::move(legend));
}

std::string waits_chart(const results::StudyRecords& study, const std::vector<ArmView>& arms) {
  std::vector<Series> series;
  std::vector<LegendEntry> legend;
  for (const ArmView& arm : arms) {
    series.push_back(Series{.name = arm.name + " review wait",
                            .colour = arm.colour,
                            .points = weekly(
                                study, arm.index,
                                [](const models::DeploymentRecord& r) {
                                  return static_cast<double>(r.review_wait_min);
                                },
                                [](const models::DeploymentRecord&) { return true; }, true),
                            .dashed = false,
                            .step = false});
    series.push_back(Series{
        .name = arm.name + " CI wait",
        .colour = arm.colour,
        .points = weekly(
            study, arm.index,
            [](const models::DeploymentRecord& r) { return static_cast<double>(r.ci_wait_min); },
            [](const models::DeploymentRecord&) { return true; }, true),
        .dashed = true,
        .step = false});
    legend.emplace_back(arm.name, arm.colour);
  }
  legend.push_back(LegendEntry{"review wait", "#555555", Swatch::Solid});
  legend.push_back(LegendEntry{"CI runner wait", "#555555", Swatch::Dashed});
  return line_chart("Queue waits per deployment (weekly mean, by week of arrival)",
                    "week of the study", "mean wait (minutes)", std::move(series), 1,
                    std::move(legend));
}

// Daily series from the hourly resource samples, pooled over organizations and replications.
struct DailyResources {
  std::vector<Point> runner_utilisation;    // %
  std::vector<Point> reviewer_utilisation;  // %
  std::vector<Point> ci_queue;              // jobs waiting, all organizations
  std::vector<Point> review_queue;          // changes waiting, all organizations
};

DailyResources daily_resources(const results::StudyRecords& study, std::size_t strategy) {
  struct Sums {
    double runners_busy = 0;
    double runner_capacity = 0;
    double reviewers_busy = 0;
    double reviewer_capacity = 0;
    double ci_queue = 0;
    double review_queue = 0;
    std::map<std::pair<const results::RunRecords*, double>, int> hours;  // distinct sample times
  };
  std::map<long, Sums> days;
  const auto& organizations = study.provenance.organizations;
  for (const results::RunRecords* run : runs_of(study, strategy)) {
    for (const models::ResourceSample& sample : run->samples) {
      const long day = static_cast<long>(std::floor(sample.time_min / kMinutesPerDay));
      Sums& sums = days[day];
      const results::OrganizationInfo* info = sample.organization < organizations.size()
                                                  ? &organizations[sample.organization]
                                                  : nullptr;
      sums.runners_busy += sample.runners_busy;
      sums.reviewers_busy += sample.reviewers_busy;
      sums.runner_capacity += info != nullptr ? info->ci_runners : 0;
      sums.reviewer_capacity += info != nullptr ? info->reviewers : 0;
      sums.ci_queue += sample.ci_queue;
      sums.review_queue += sample.review_queue;
      sums.hours[{run, sample.time_min}] = 1;
    }
  }
  DailyResources daily;
  for (const auto& [day, sums] : days) {
    const double x = static_cast<double>(day) + 0.5;
    const double samples = std::max<double>(1.0, static_cast<double>(sums.hours.size()));
    if (sums.runner_capacity > 0) {
      daily.runner_utilisation.push_back(
          Point{x, 100.0 * sums.runners_busy / sums.runner_capacity});
    }
    if (sums.reviewer_capacity > 0) {
      daily.reviewer_utilisation.push_back(
          Point{x, 100.0 * sums.reviewers_busy / sums.reviewer_capacity});
    }
    daily.ci_queue.push_back(Point{x, sums.ci_queue / samples});
    daily.review_queue.push_back(Point{x, sums.review_queue / samples});
  }
  return daily;
}

// ---- Tables ------------------------------------------------------------------------------------

std::string ci_text(double low, double high, int decimals, double scale = 1.0) {
  return "<span class=\"ci\">[" + fixed(scale * low, decimals) + ", " +
         fixed(scale * high, decimals) + "]</span>";
}

std::string mean_sd_html(const std::vector<double>& samples, int decimals, double scale) {
  if (samples.empty()) {
    return "n/a";
  }
  const double sd = samples.size() < 2 ? NAN : std::sqrt(sample_variance(samples));
  return fixed(scale * mean(samples), decimals) + " ± " + fixed(scale * sd, decimals);
}

// A cell of the arm table as HTML.
std::string html_cell(const TableCell& cell) {
  using Kind = TableCell::Kind;
  switch (cell.kind) {
    case Kind::kCount:
      return grouped(cell.count);
    case Kind::kCountRatio:
      return grouped(cell.count) + " / " + grouped(cell.trials);
    case Kind::kMinutes:
      return fixed(cell.value, 1);
    case Kind::kMinutesPair:
      return fixed(cell.value, 1) + " / " + fixed(cell.second, 1);
    case Kind::kMinutesWithCi:
      return fixed(cell.value, 1) + " " + ci_text(cell.low, cell.high, 1);
    case Kind::kRateWithCi:
      return cell.trials == 0 ? "n/a"
                              : percent(cell.value, 2) + " " + ci_text(cell.low, cell.high, 2, 100);
    case Kind::kMinutesMeanSd:
      return mean_sd_html(cell.samples, 1, 1.0);
    case Kind::kRateMeanSd:
      return mean_sd_html(cell.samples, 2, 100.0);
  }
  return "";
}

struct HtmlRowChoice {
  const char* label;
  ArmRow row;
};

constexpr HtmlRowChoice kHtmlArmRows[] = {
    {"Deployments", ArmRow::kDeployments},
    {"In flight at horizon, % [Wilson]", ArmRow::kInFlight},
    {"Median cycle time, min [CI]", ArmRow::kMedianCycleTime},
    {"p90 / mean cycle time, min", ArmRow::kP90AndMeanCycleTime},
    {"Success rate, % [Wilson]", ArmRow::kSuccessRate},
    {"Rollback rate, % [Wilson]", ArmRow::kRollbackRate},
    {"Failure rate, % [Wilson]", ArmRow::kFailureRate},
    {"Block rate, % [Wilson]", ArmRow::kBlockRate},
    {"Deployment success, % of deployed [Wilson]", ArmRow::kDeploymentSuccess},
    {"Safety violations", ArmRow::kSafetyViolations},
    {"Canary catch rate, % of issues [Wilson]", ArmRow::kCanaryCatchRate}};

std::string p_text(double p, double holm) {
  return escape(format_p_value(p)) + " <span class=\"ci\">(Holm " + escape(format_p_value(holm)) +
         ")</span>";
}

std::string comparison_tables(const ComparisonReport& report) {
  std::ostringstream out;
  const std::string b = escape(report.options.baseline);
  out << "<h3>Deployment level (all replications pooled)</h3>\n";
  out << "<p class=\"note\">Deployments of one replication share runners, reviewers and services, "
         "so deployment-level p-values overstate the evidence; the replication level below is the "
         "headline inference. Intervals are "
      << fixed(100 * report.options.confidence, 0) << "%.</p>\n";
  out << "<table class=\"data\"><thead><tr><th>Metric</th>";
  for (const ArmSummary& arm : report.arms) {
    out << "<th>" << escape(arm.strategy) << "</th>";
  }
  out << "</tr></thead><tbody>\n";
  const ArmTable table = build_arm_table(report);
  for (const HtmlRowChoice& choice : kHtmlArmRows) {
    out << "<tr><td>" << choice.label << "</td>";
    for (const TableCell& cell : table.row(choice.row).cells) {
      out << "<td>" << html_cell(cell) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
  if (report.comparisons.empty()) {
    return out.str();
  }
  out << "<table class=\"data\"><thead><tr><th>Strategy vs " << b << "</th><th>Δ median, min<br>("
      << b
      << " − strategy)</th><th>Relative reduction</th><th>Mann–Whitney p</th><th>Â12 / "
         "Cliff's δ</th><th>Δ success, pp<br>[Newcombe]</th><th>χ² p</th><th>Fisher p</th>"
         "<th>Cohen's h</th><th>Δ rollback / failure / block, pp</th><th>Δ canary catch, pp</th>"
         "</tr></thead><tbody>\n";
  for (const StrategyComparison& c : report.comparisons) {
    const PooledComparison& p = c.pooled;
    out << "<tr><td>" << escape(c.strategy) << "</td><td>" << fixed(p.median.difference, 1) << ' '
        << ci_text(p.median.difference_low, p.median.difference_high, 1) << "</td><td>"
        << percent(p.median.relative_reduction, 1) << ' '
        << ci_text(p.median.relative_low, p.median.relative_high, 1, 100) << "</td><td>"
        << p_text(p.mann_whitney.p_value, p.mann_whitney_p_holm) << "</td><td>"
        << fixed(p.mann_whitney.a12, 3) << " / " << fixed(p.mann_whitney.cliffs_delta, 3)
        << "</td><td>" << fixed(100 * p.success.difference, 2) << ' '
        << ci_text(p.success.newcombe.low, p.success.newcombe.high, 2, 100) << "</td><td>"
        << p_text(p.success.chi_square.p_value, p.success_chi_square_p_holm) << "</td><td>"
        << p_text(p.success.fisher_p, p.success_fisher_p_holm) << "</td><td>"
        << fixed(p.success.cohens_h, 3) << "</td><td>" << fixed(100 * p.rollback.difference, 2)
        << " / " << fixed(100 * p.failure.difference, 2) << " / "
        << fixed(100 * p.block.difference, 2) << "</td><td>"
        << fixed(100 * p.canary_catch.difference, 2) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  out << "<p class=\"note\">Bootstrap: percentile, " << report.options.bootstrap_resamples
      << " resamples of all pooled deployments, seed " << report.options.bootstrap_seed
      << ". Â12 = P(" << b << " cycle time &gt; strategy's). Holm: across the compared "
      << "strategies, per test.</p>\n";

  out << "<h3>Replication level (paired by replication: common random numbers)</h3>\n";
  out << "<table class=\"data\"><thead><tr><th>Strategy vs " << b
      << "</th><th>Pairs</th><th>Median cycle time, mean ± sd<br>(" << b
      << " → strategy)</th><th>Δ median, min [t CI]</th><th>paired t p</th><th>Wilcoxon p</th>"
         "<th>Success rate, mean<br>("
      << b
      << " → strategy)</th><th>Δ success, pp [t CI]</th><th>paired t p</th><th>Wilcoxon p</th>"
         "</tr></thead><tbody>\n";
  const ArmSummary& base = report.arms.front();
  for (std::size_t index = 0; index < report.comparisons.size(); ++index) {
    const StrategyComparison& c = report.comparisons[index];
    const ArmSummary& arm = report.arms[index + 1];
    const PairedComparison& p = c.paired;
    const auto mean_of = [](const std::vector<double>& values) {
      return values.empty() ? NAN : mean(values);
    };
    const auto sd_of = [](const std::vector<double>& values) {
      return values.size() < 2 ? NAN : std::sqrt(sample_variance(values));
    };
    out << "<tr><td>" << escape(c.strategy) << "</td><td>" << p.pairs
        << (p.common_seeds ? "" : " (seeds differ!)") << "</td><td>"
        << fixed(mean_of(base.replication_medians), 1) << " ± "
        << fixed(sd_of(base.replication_medians), 1) << " → "
        << fixed(mean_of(arm.replication_medians), 1) << " ± "
        << fixed(sd_of(arm.replication_medians), 1) << "</td><td>"
        << fixed(p.median.t.mean_difference, 1) << ' '
        << ci_text(p.median.t.ci_low, p.median.t.ci_high, 1) << "</td><td>"
        << p_text(p.median.t.p_value, p.median.t_p_holm) << "</td><td>"
        << p_text(p.median.wilcoxon.p_value, p.median.wilcoxon_p_holm) << "</td><td>"
        << percent(mean_of(base.replication_success_rates), 2) << " → "
        << percent(mean_of(arm.replication_success_rates), 2) << "</td><td>"
        << fixed(100 * p.success.t.mean_difference, 2) << ' '
        << ci_text(p.success.t.ci_low, p.success.t.ci_high, 2, 100) << "</td><td>"
        << p_text(p.success.t.p_value, p.success.t_p_holm) << "</td><td>"
        << p_text(p.success.wilcoxon.p_value, p.success.wilcoxon_p_holm) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  return out.str();
}

std::string provenance_table(const results::StudyRecords& study) {
  std::ostringstream out;
  out << "<table class=\"kv\"><tbody>\n";
  out << "<tr><th>file</th><td><code>" << escape(study.path.string()) << "</code></td></tr>\n";
  for (const auto& [name, value] : study.attributes) {
    if (name == "config_json") {
      continue;
    }
    out << "<tr><th>" << escape(name) << "</th><td><code>" << escape(value)
        << "</code></td></tr>\n";
  }
  out << "<tr><th>organizations</th><td>";
  for (const results::OrganizationInfo& organization : study.provenance.organizations) {
    out << escape(organization.name) << " (" << organization.services << " services, "
        << organization.ci_runners << " CI runners, " << organization.reviewers
        << " reviewers)<br>";
  }
  out << "</td></tr>\n</tbody></table>\n";
  out << "<details><summary>Fully resolved scenario (config_json)</summary><pre>"
      << escape(study.provenance.config_json) << "</pre></details>\n";
  return out.str();
}

std::string summary_cards(const ComparisonReport& report, const std::vector<ArmView>& arms) {
  std::ostringstream out;
  out << "<div class=\"cards\">\n";
  for (std::size_t a = 0; a < arms.size(); ++a) {
    const ArmSummary& arm = report.arms[a];
    out << "<div class=\"card\" style=\"border-top-color:" << arms[a].colour << "\"><h3>"
        << escape(arm.strategy) << "</h3><dl>"
        << "<dt>median cycle time</dt><dd>" << fixed(arm.summary.median_cycle_time_min, 1)
        << " min</dd><dt>success rate</dt><dd>" << percent(arm.success.rate, 1)
        << "</dd><dt>rollback / failure / block</dt><dd>" << percent(arm.rollback.rate, 1) << " / "
        << percent(arm.failure.rate, 1) << " / " << percent(arm.block.rate, 1)
        << "</dd><dt>safety violations</dt><dd>" << grouped(arm.summary.safety_violations)
        << "</dd><dt>canary catch rate</dt><dd>" << percent(arm.canary_catch.rate, 1)
        << "</dd><dt>deployments</dt><dd>" << grouped(arm.summary.deployments)
        << "</dd><dt>in flight at the horizon</dt><dd>" << grouped(arm.summary.in_flight) << " ("
        << percent(arm.in_flight.rate, 1) << ")</dd><dt>deployment success</dt><dd>"
        << percent(arm.deployment_success.rate, 1) << " of " << grouped(arm.summary.deployed)
        << " deployed</dd></dl></div>\n";
  }
  out << "</div>\n";
  return out.str();
}

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; margin: 24px 32px; color: #1d2433;
       background: #f5f6f8; max-width: 1340px; }
h1 { font-size: 24px; margin: 0 0 4px 0; }
h2 { font-size: 19px; margin: 28px 0 8px 0; border-bottom: 2px solid #d8dce3; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px 0; }
p.lead { margin: 0 0 12px 0; color: #4a5468; }
p.note { font-size: 12px; color: #5a6478; margin: 4px 0 10px 0; }
section { margin-bottom: 10px; }
.grid2 { display: flex; flex-wrap: wrap; gap: 16px; }
.grid2 figure { margin: 0; background: #fff; border: 1px solid #dde1e8; border-radius: 6px;
                padding: 6px; }
figcaption { font-size: 12px; color: #5a6478; padding: 4px 6px 2px 6px; max-width: 628px; }
svg { display: block; }
svg text { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; fill: #1d2433; }
svg .chart-title { font-size: 13px; font-weight: bold; }
svg .tick { font-size: 11px; fill: #4a5468; }
svg .tick.minor { font-size: 9px; fill: #8a93a5; }
svg .axis-label { font-size: 12px; fill: #333c4e; }
svg .legend { font-size: 11px; }
svg .value { font-size: 10px; fill: #1d2433; }
svg .grid { stroke: #e3e6ec; stroke-width: 1; }
svg .grid.minor { stroke: #f0f2f5; }
table.data { border-collapse: collapse; background: #fff; font-size: 13px; margin: 6px 0 8px 0; }
table.data th, table.data td { border: 1px solid #dde1e8; padding: 5px 9px; text-align: right;
                               vertical-align: top; }
table.data th { background: #eef0f4; text-align: center; }
table.data td:first-child { text-align: left; font-weight: 600; }
span.ci { color: #5a6478; font-size: 11px; white-space: nowrap; }
table.kv { border-collapse: collapse; background: #fff; font-size: 12px; }
table.kv th { text-align: left; padding: 3px 10px; background: #eef0f4; border: 1px solid #dde1e8;
              white-space: nowrap; vertical-align: top; }
table.kv td { padding: 3px 10px; border: 1px solid #dde1e8; word-break: break-all; }
details { margin-top: 8px; }
details pre { background: #fff; border: 1px solid #dde1e8; padding: 8px; font-size: 11px;
              white-space: pre-wrap; word-break: break-all; max-height: 400px; overflow: auto; }
.cards { display: flex; flex-wrap: wrap; gap: 14px; }
.card { background: #fff; border: 1px solid #dde1e8; border-top: 5px solid #888; border-radius: 6px;
        padding: 8px 16px; min-width: 260px; }
.card h3 { margin: 4px 0 6px 0; font-size: 16px; }
.card dl { display: grid; grid-template-columns: auto auto; gap: 2px 14px; margin: 0;
           font-size: 13px; }
.card dt { color: #5a6478; }
.card dd { margin: 0; text-align: right; font-weight: 600; }
)";

std::string figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + "<figcaption>" + caption + "</figcaption></figure>\n";
}

// The queue lengths over the study (review and CI queues, daily means).
std::string queue_lengths_figure(const results::StudyRecords& study,
                                 const std::vector<ArmView>& arms) {
  std::ostringstream html;
  std::vector<Series> queues;
  std::vector<LegendEntry> legend;
  for (const ArmView& arm : arms) {
    const DailyResources daily = daily_resources(study, arm.index);
    queues.push_back(Series{.name = arm.name + " review queue",
                            .colour = arm.colour,
                            .points = daily.review_queue,
                            .dashed = false,
                            .step = false});
    queues.push_back(Series{.name = arm.name + " CI queue",
                            .colour = arm.colour,
                            .points = daily.ci_queue,
                            .dashed = true,
                            .step = false});
    legend.emplace_back(arm.name, arm.colour);
  }
  legend.push_back(LegendEntry{"review queue", "#555555", Swatch::Solid});
  legend.push_back(LegendEntry{"CI queue", "#555555", Swatch::Dashed});
  html << figure(
      line_chart("Queue lengths (daily mean of hourly samples, all organizations)",
                 "day of the study", "changes waiting", std::move(queues), 0, std::move(legend)),
      "Changes waiting for a reviewer (solid) and CI jobs waiting for a runner "
      "(dashed), summed over organizations, daily mean of the hourly samples, mean "
      "over replications.");
  return html.str();
}

// CI runner and reviewer utilisation over the study (daily means).
std::string utilisation_figures(const results::StudyRecords& study,
                                const std::vector<ArmView>& arms) {
  std::ostringstream html;
  std::vector<Series> runners;
  std::vector<Series> reviewers;
  for (const ArmView& arm : arms) {
    const DailyResources daily = daily_resources(study, arm.index);
    runners.push_back(Series{.name = arm.name,
                             .colour = arm.colour,
                             .points = daily.runner_utilisation,
                             .dashed = false,
                             .step = false});
    reviewers.push_back(Series{.name = arm.name,
                               .colour = arm.colour,
                               .points = daily.reviewer_utilisation,
                               .dashed = false,
                               .step = false});
  }
  // Auto-scaled (at least 0..10%): low utilisation should still show its daily rhythm.
  const auto utilisation_top = [](const std::vector<Series>& series) {
    return std::min(100.0, std::max(10.0, max_y(series) * 1.15));
  };
  const double runner_top = utilisation_top(runners);
  const double reviewer_top = utilisation_top(reviewers);
  html << figure(line_chart("CI runner utilisation (daily)", "day of the study",
                            "busy runners / runners (%)", std::move(runners), 0, {}, runner_top),
                 "Busy CI runners over all runners of all organizations, daily mean of the "
                 "hourly samples over replications. Every strategy runs the same CI jobs, so "
                 "the lines may lie on top of each other.");
  html << figure(
      line_chart("Reviewer utilisation (daily)", "day of the study",
                 "busy reviewers / reviewers (%)", std::move(reviewers), 0, {}, reviewer_top),
      "Busy reviewers over all reviewers (around the clock, so nights and weekends "
      "count as idle capacity).");
  return html.str();
}

}  // namespace

std::string render_html_report(const results::StudyRecords& study,
                               const ComparisonReport& comparison) {
  const std::vector<ArmView> arms = arm_views(study, comparison);
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>genops-sim report: " << escape(study.provenance.scenario) << "</title>\n"
       << "<style>" << kStyle << "</style>\n</head>\n<body>\n";
  html << "<h1>genops-sim report: " << escape(study.provenance.scenario) << "</h1>\n";
  html << "<p class=\"lead\">" << study.provenance.replications
       << " replication(s) per strategy, master seed " << study.provenance.master_seed << ", "
       << study.provenance.duration_days << " days from " << escape(study.provenance.start_date)
       << ", " << study.provenance.organizations.size() << " organizations; baseline <b>"
       << escape(comparison.options.baseline) << "</b>. Source: <code>"
       << escape(study.path.string()) << "</code>.</p>\n";

  html << "<section id=\"summary\"><h2>Summary</h2>\n"
       << summary_cards(comparison, arms) << "</section>\n";

  html << "<section id=\"cycle-time\"><h2>Cycle time</h2><div class=\"grid2\">\n";
  html << "<div id=\"cycle-time-ecdf\">"
       << figure(ecdf_chart(study, arms, comparison),
                 "Empirical CDF of the cycle time (arrival to final outcome) of every deployment "
                 "of every replication, log-scaled minutes. The dashed lines mark the medians.")
       << "</div>";
  html << "<div id=\"cycle-time-histogram\">"
       << figure(histogram_chart(study, arms),
                 "Histogram with 8 logarithmic bins per decade; each strategy's bins sum to 100%. "
                 "The long right tail is changes waiting for reviewers outside working hours or "
                 "deferred by policy.")
       << "</div>";
  html << "</div></section>\n";

  html << "<section id=\"outcomes\"><h2>Outcomes</h2><div class=\"grid2\">\n";
  html << figure(success_chart(comparison, arms),
                 "Share of deployments that succeeded, pooled over replications, with the Wilson "
                 "interval.");
  html << figure(failure_modes_chart(comparison, arms),
                 "Shares of deployments rolled back, failed (incident) and blocked, with Wilson "
                 "intervals.");
  html << "</div></section>\n";

  html << "<section id=\"canary\"><h2>Canary catch</h2><div class=\"grid2\">\n";
  html << figure(canary_stage_chart(study, arms),
                 "Defects that survived CI and were rolled back by a canary stage, by the stage "
                 "that caught them; labels give the stage's most common traffic share.");
  html << figure(catch_point_chart(comparison, arms),
                 "Where each defect that survived CI (an issue) was first stopped, as a share of "
                 "issues, with Wilson intervals. The canary catch rate is the 'canary' bar.");
  html << "</div></section>\n";

  html << "<section id=\"queues\"><h2>Queue waits</h2><div class=\"grid2\">\n";
  html << figure(waits_chart(study, arms),
                 "Mean time a deployment waited for a human review (solid) and for a CI runner "
                 "(dashed), by week of arrival.");
  html << queue_lengths_figure(study, arms);
  html << "</div></section>\n";

  html << "<section id=\"utilisation\"><h2>Utilisation</h2><div class=\"grid2\">\n";
  html << utilisation_figures(study, arms);
  html << "</div></section>\n";

  html << "<section id=\"weekly\"><h2>Deployments per week</h2><div class=\"grid2\">\n";
  html << figure(deployments_per_week_chart(study, arms),
                 "Finished (solid) and successful (dashed) deployments by week of arrival, mean "
                 "per replication. Every strategy replays the same traffic, so the finished lines "
                 "lie on top of each other.");
  html << "</div></section>\n";

  html << "<section id=\"comparison\"><h2>Comparison against "
       << escape(comparison.options.baseline) << "</h2>\n"
       << comparison_tables(comparison) << "</section>\n";

  html << "<section id=\"provenance\"><h2>Provenance</h2>\n"
       << provenance_table(study) << "</section>\n";
  html << "</body>\n</html>\n";
  return html.str();
}

namespace {

// One response chart: every strategy's mean against the factor, its CI as a band.
std::string response_chart(const ResponsePanel& panel) {
  Chart chart(panel.title, panel.x_label, panel.y_label);
  double x_low = INFINITY;
  double x_high = -INFINITY;
  double y_low = INFINITY;
  double y_high = -INFINITY;
  for (const ResponseCurve& curve : panel.curves) {
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      x_low = std::min(x_low, curve.x[i]);
      x_high = std::max(x_high, curve.x[i]);
      for (const double y : {curve.mean[i], curve.low[i], curve.high[i]}) {
        if (std::isfinite(y)) {
          y_low = std::min(y_low, y);
          y_high = std::max(y_high, y);
        }
      }
    }
  }
  if (!(x_high > x_low)) {
    x_low -= 1;
    x_high += 1;
  }
  const bool log_x = panel.log_x && x_low > 0;
  chart.x_range(x_low, x_high, log_x);
  const double pad = y_high > y_low ? (y_high - y_low) * 0.08 : std::max(1.0, y_high * 0.1);
  chart.y_range(std::min(0.0, y_low) < 0 ? y_low - pad : std::max(0.0, y_low - pad), y_high + pad);
  for (std::size_t c = 0; c < panel.curves.size(); ++c) {
    const ResponseCurve& curve = panel.curves[c];
    Series series{curve.strategy, colour(c), {}};
    std::vector<Point> low;
    std::vector<Point> high;
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      series.points.push_back(Point{curve.x[i], curve.mean[i]});
      if (std::isfinite(curve.low[i]) && std::isfinite(curve.high[i])) {
        low.push_back(Point{curve.x[i], curve.low[i]});
        high.push_back(Point{curve.x[i], curve.high[i]});
      }
    }
    if (low.size() == curve.x.size() && !low.empty())
      chart.band(colour(c), std::move(low), std::move(high));
    chart.add(std::move(series));
  }
  return chart.svg();
}

}  // namespace

std::string render_response_svg(const std::vector<ResponsePanel>& panels, int columns) {
  // Small multiples: each chart is a nested <svg> placed on a grid.
  constexpr int kWidth = 640;
  std::vector<std::string> charts;
  std::vector<int> heights;
  for (const ResponsePanel& panel : panels) {
    charts.push_back(response_chart(panel));
    const auto at = charts.back().find("height=\"");
    heights.push_back(std::atoi(charts.back().c_str() + at + 8));
  }
  columns = std::max(1, std::min(columns, static_cast<int>(charts.size())));
  std::vector<int> row_heights;
  for (std::size_t i = 0; i < charts.size(); ++i) {
    const std::size_t row = i / static_cast<std::size_t>(columns);
    if (row_heights.size() <= row)
      row_heights.push_back(0);
    row_heights[row] = std::max(row_heights[row], heights[i]);
  }
  int total_height = 0;
  for (const int h : row_heights)
    total_height += h;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << kWidth * columns << ' '
      << total_height << "\" width=\"" << kWidth * columns << "\" height=\"" << total_height
      << "\">\n<style>text { font-family: \"DejaVu Sans\", Arial, Helvetica, sans-serif; fill: "
         "#1d2433; } .chart-title { font-size: 13px; font-weight: bold; } .tick { font-size: "
         "11px; fill: #4a5468; } .tick.minor { font-size: 9px; fill: #8a93a5; } .axis-label { "
         "font-size: 12px; } .legend { font-size: 11px; } .grid { stroke: #e3e6ec; } .grid.minor "
         "{ stroke: #f0f2f5; }</style>\n";
  int y = 0;
  for (std::size_t i = 0; i < charts.size(); ++i) {
    const std::size_t row = i / static_cast<std::size_t>(columns);
    const std::size_t column = i % static_cast<std::size_t>(columns);
    if (column == 0 && i > 0)
      y += row_heights[row - 1];
    std::string chart = charts[i];
    chart.insert(4, " x=\"" + std::to_string(static_cast<int>(column) * kWidth) + "\" y=\"" +
                        std::to_string(y) + "\"");
    out << chart;
  }
  out << "</svg>\n";
  return out.str();
}

std::string render_response_html(const std::string& title, const std::string& lead,
                                 const std::vector<ResponseSection>& sections) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>" << escape(title) << "</title>\n<style>" << kStyle
       << "</style>\n</head>\n<body>\n<h1>" << escape(title) << "</h1>\n<p class=\"lead\">"
       << escape(lead) << "</p>\n";
  for (const ResponseSection& section : sections) {
    html << "<section><h2>" << escape(section.heading) << "</h2><div class=\"grid2\">\n";
    for (const ResponsePanel& panel : section.panels)
      html << figure(response_chart(panel), escape(section.caption));
    html << "</div></section>\n";
  }
  html << "</body>\n</html>\n";
  return html.str();
}

}  // namespace genops::analysis
