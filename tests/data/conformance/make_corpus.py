#!/usr/bin/env python3
"""Regenerates the GenOps v0.1 conformance corpus in this folder.

A valid base run shaped like ours (valid_ours_mixed_lifecycles.jsonl) and one file per
deliberate violation derived from it, each changing ONE thing. manifest.txt lists, per file, the
expected compliance level and the exact set of failing requirement ids. Hand-written files
(valid_foreign_*.jsonl) are not generated here.

Usage: python3 tests/data/conformance/make_corpus.py
"""
import copy
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
SECOND = 1_000_000_000
EPOCH = 1_752_156_000 * SECOND  # 2025-07-10T14:00:00Z
FULL = "GenOps v0.1 \u2014 full"
PARTIAL = "GenOps v0.1 \u2014 partial"


def value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": v}


def attrs(pairs):
    return [{"key": k, "value": value(v)} for k, v in pairs]


class Seq:
    def __init__(self):
        self.next = 1000

    def __call__(self):
        self.next += 1
        return self.next


SEQ = Seq()


def event(name, t, pairs):
    return {"timeUnixNano": str(t), "name": name, "attributes": attrs(pairs + [("sim.seq", SEQ())])}


def span(trace, span_id, name, start, end, pairs, events, parent="a1b2c3d4e5f60001"):
    return {"traceId": trace, "spanId": span_id, "parentSpanId": parent, "name": name, "kind": 1,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(end),
            "attributes": attrs(pairs), "events": events, "status": {"code": 0}}


def required(op_name, op_type, team="payments", project="checkout-api"):
    return [("genops.spec.version", "0.1.0"), ("genops.team", team), ("genops.project", project),
            ("genops.environment", "production"), ("genops.operation.name", op_name),
            ("genops.operation.type", op_type)]


def executed(trace, sid, op_name, op_type, t0, unit, reserved, actual, budget, result="ALLOWED",
             code=None, extra_span=(), extra_events=(), allocated=200.0):
    decision = [("genops.policy.result", result)] + (
        [("genops.policy.reason_code", code)] if code else [])
    events = [
        event("genops.budget.reservation", t0 + 1000,
              [("genops.accounting.reserved", reserved), ("genops.accounting.unit", unit),
               ("genops.budget.name", budget), ("genops.budget.remaining", allocated - reserved)]),
        event("genops.policy.evaluated", t0 + 2000,
              decision + [("genops.policy.name", "prod-gate"),
                          ("genops.policy.timestamp", (t0 + 2000) // 1_000_000)]),
        event("sim.execution.start", t0 + 3000, []),
        *extra_events,
        event("sim.execution.end", t0 + 60 * SECOND, []),
        event("genops.budget.reconciliation", t0 + 60 * SECOND + 1000,
              [("genops.accounting.actual", actual), ("genops.accounting.reserved", reserved),
               ("genops.accounting.unit", unit),
               ("genops.accounting.reconciliation_delta", actual - reserved),
               ("genops.budget.name", budget)]),
    ]
    pairs = required(op_name, op_type) + decision + [
        ("genops.accounting.reserved", reserved), ("genops.accounting.unit", unit),
        ("genops.budget.name", budget), ("genops.accounting.actual", actual)] + list(extra_span)
    return span(trace, sid, op_name, t0, t0 + 60 * SECOND + 1000, pairs, events)


def stopped(trace, sid, op_name, op_type, t0, result, code, extra_events=(), extra_decision=()):
    decision = [("genops.policy.result", result), ("genops.policy.reason_code", code)]
    events = [*extra_events,
              event("genops.policy.evaluated", t0 + 5000, decision + list(extra_decision))]
    return span(trace, sid, op_name, t0, t0 + 5000, required(op_name, op_type) + decision, events)


def record(spans, declaration=FULL):
    resource = [("service.name", "govsim-governor"), ("sim.run.id", "corpus-seed42")]
    if declaration is not None:
        resource.append(("sim.genops.compliance_level", declaration))
    return {"resourceSpans": [{"resource": {"attributes": attrs(resource)}, "scopeSpans": [
        {"scope": {"name": "govsim.governance", "version": "0.1.0"}, "spans": spans}]}]}


T1 = "4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f"
T2 = "7e0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c"
T3 = "0123456789abcdef0123456789abcdef"


def base_run():
    """Eight AWUs covering every lifecycle class of our profile, one AWU per line."""
    root = span(T1, "a1b2c3d4e5f60001", "deployment.request", EPOCH, EPOCH + 300 * SECOND,
                [("deployment.id", "dep-000123"), ("cicd.pipeline.run.id", "run-88412")], [],
                parent="")
    propose = executed(T1, "a1b2c3d4e5f60002", "agent.propose", "inference", EPOCH, "tokens",
                       6000.0, 4821.0, "llm/payments/monthly", allocated=1_000_000.0,
                       extra_span=[("genops.tokens.input", 3100), ("genops.tokens.output", 1721),
                                   ("genops.tokens.total", 4821)],
                       extra_events=[event("genops.cost.calculated", EPOCH + 50 * SECOND,
                                           [("genops.cost.total", 0.0482),
                                            ("genops.cost.currency", "USD"),
                                            ("genops.cost.provider", "anthropic")])])
    rollout = executed(T1, "a1b2c3d4e5f60003", "deploy.rollout", "deployment",
                       EPOCH + 100 * SECOND, "error_budget_minutes", 12.5, 3.0,
                       "slo/checkout-api/availability",
                       extra_span=[("genops.sla.tier", "standard"),
                                   ("genops.sla.latency_target_ms", 3_600_000),
                                   ("genops.sla.actual_latency_ms", 60_001),
                                   ("genops.sla.met", True), ("deployment.id", "dep-000123")],
                       extra_events=[event("genops.evaluation.complete", EPOCH + 130 * SECOND,
                                           [("genops.eval.metric", "canary.error_rate_ratio"),
                                            ("genops.eval.score", 0.8),
                                            ("genops.eval.threshold", 1.5),
                                            ("genops.eval.passed", True)])])
    frozen = stopped(T2, "b7c8d9e0f1a20002", "deploy.rollout", "deployment", EPOCH + 200 * SECOND,
                     "BLOCKED", "x_change_freeze_window",
                     extra_decision=[("genops.policy.name", "change-freeze/no-friday")])
    limited = stopped(T2, "b7c8d9e0f1a20003", "deploy.rollout", "deployment",
                      EPOCH + 210 * SECOND, "RATE_LIMITED", "RATE_LIMITED")
    t5 = EPOCH + 220 * SECOND
    p1 = span(T2, "b7c8d9e0f1a20004", "deploy.rollout", t5, t5 + 3000,
              required("deploy.rollout", "deployment") + [
                  ("genops.policy.result", "BLOCKED"),
                  ("genops.policy.reason_code", "PROVIDER_ERROR_UPSTREAM"),
                  ("genops.accounting.reserved", 4.0),
                  ("genops.accounting.unit", "error_budget_minutes")],
              [event("genops.budget.reservation", t5 + 1000,
                     [("genops.accounting.reserved", 4.0),
                      ("genops.accounting.unit", "error_budget_minutes")]),
               event("genops.policy.evaluated", t5 + 2000,
                     [("genops.policy.result", "BLOCKED"),
                      ("genops.policy.reason_code", "PROVIDER_ERROR_UPSTREAM")]),
               event("sim.budget.release", t5 + 3000, [("sim.budget.released", 4.0)])])
    failed = stopped(T3, "c0c1c2c3c4c5c601", "agent.propose", "inference", EPOCH + 230 * SECOND,
                     "BLOCKED", "BUDGET_RESERVATION_FAILED",
                     extra_decision=[("sim.accounting.requested", 9000.0)])
    warned = executed(T3, "c0c1c2c3c4c5c602", "deploy.rollout", "deployment",
                      EPOCH + 240 * SECOND, "error_budget_minutes", 2.0, 2.5,
                      "slo/ledger/availability", result="WARNING", code="x_budget_soft_limit")
    rollback = executed(T3, "c0c1c2c3c4c5c603", "deploy.rollback", "rollback",
                        EPOCH + 400 * SECOND, "error_budget_minutes", 1.0, 0.5,
                        "slo/ledger/availability")
    return [[root, propose], [rollout], [frozen], [limited], [p1], [failed], [warned], [rollback]]


def write(name, lines, declaration=FULL):
    with open(HERE / name, "w", encoding="utf-8") as out:
        for spans in lines:
            out.write(json.dumps(record(spans, declaration), ensure_ascii=False,
                                 separators=(",", ":")) + "\n")


def find_attr(owner, key):
    for a in owner["attributes"]:
        if a["key"] == key:
            return a
    return None


def set_attr(owner, key, v):
    found = find_attr(owner, key)
    if found is None:
        owner["attributes"].append({"key": key, "value": v})
    else:
        found["value"] = v


def drop_attr(owner, key):
    owner["attributes"] = [a for a in owner["attributes"] if a["key"] != key]


def find_event(s, name):
    return next(e for e in s["events"] if e["name"] == name)


def drop_event(s, name):
    s["events"] = [e for e in s["events"] if e["name"] != name]


MANIFEST = []


def case(name, expected_level, failing, mutate, declaration=None, replay=None):
    lines = base_run()
    mutate(lines)
    write(name, lines, declaration)
    entry = f"{name} {expected_level} {' '.join(failing)}".rstrip()
    if replay:
        entry += f" replay={replay}"
    MANIFEST.append(entry)


def main():
    write("valid_ours_mixed_lifecycles.jsonl", base_run())
    MANIFEST.append("valid_ours_mixed_lifecycles.jsonl full")
    propose = lambda l: l[0][1]
    rollout = lambda l: l[1][0]
    frozen = lambda l: l[2][0]
    limited = lambda l: l[3][0]
    p1 = lambda l: l[4][0]
    failed = lambda l: l[5][0]

    case("R1_int_value_not_integer.jsonl", "none", ["R1"],
         lambda l: set_attr(find_event(rollout(l), "sim.execution.start"), "sim.seq",
                            {"intValue": "12.5"}))
    case("R1_unknown_any_value_field.jsonl", "none", ["R1"],
         lambda l: set_attr(rollout(l), "deployment.id", {"stringvalue": "dep-000123"}))
    case("R2_alternative_namespace.jsonl", "none", ["R2"],
         lambda l: set_attr(rollout(l), "acme.policy.result", {"stringValue": "ALLOWED"}))
    case("R3_optional_attribute_wrong_type.jsonl", "none", ["R3"],
         lambda l: set_attr(propose(l), "genops.tokens.input", {"doubleValue": 3100.0}))
    case("R4_undefined_genops_attribute.jsonl", "none", ["R4"],
         lambda l: set_attr(rollout(l), "genops.accounting.incomplete", {"boolValue": False}))
    case("R4_undefined_genops_event.jsonl", "none", ["R4"],
         lambda l: find_event(rollout(l), "sim.execution.start").update(
             name="genops.execution.start"))

    def r5(l):
        rollout(l)["endTimeUnixNano"] = str(EPOCH)
    case("R5_span_ends_before_start.jsonl", "none", ["R5"], r5)

    def r6(l):
        l[0][0]["events"].append(event("genops.policy.evaluated", EPOCH + 1,
                                       [("genops.policy.result", "ALLOWED")]))
    case("R6_decision_without_awu.jsonl", "none", ["R6"], r6)
    case("R7_uppercase_span_id.jsonl", "none", ["R7"],
         lambda l: rollout(l).update(spanId="A1B2C3D4E5F60003"))

    def r8(l):
        limited(l)["spanId"] = frozen(l)["spanId"]
        limited(l)["name"] = "deploy.retry"
    case("R8_identity_reused.jsonl", "none", ["R8"], r8)
    case("R9_missing_team.jsonl", "none", ["R9"], lambda l: drop_attr(frozen(l), "genops.team"))

    def r10(l):
        copy_of = copy.deepcopy(frozen(l))
        set_attr(copy_of, "genops.team", {"stringValue": "ledger"})
        l.append([copy_of])
    case("R10_attribution_changed.jsonl", "none", ["R10"], r10)

    def r11(l):
        s = rollout(l)
        decision = find_event(s, "genops.policy.evaluated")
        start = find_event(s, "sim.execution.start")
        decision["timeUnixNano"], start["timeUnixNano"] = start["timeUnixNano"], decision[
            "timeUnixNano"]
    case("R11_decision_after_execution_start.jsonl", "none", ["R11", "R45"], r11)
    case("R13_missing_unit_on_span.jsonl", "none", ["R13"],
         lambda l: drop_attr(rollout(l), "genops.accounting.unit"))
    case("R14_executed_without_reservation.jsonl", "none", ["R12", "R14", "R45"],
         lambda l: drop_event(rollout(l), "genops.budget.reservation"))
    case("R15_span_actual_differs.jsonl", "none", ["R15", "R45"],
         lambda l: set_attr(rollout(l), "genops.accounting.actual", {"doubleValue": 4.0}))
    case("R16_wrong_reconciliation_delta.jsonl", "none", ["R16", "R45"],
         lambda l: set_attr(find_event(rollout(l), "genops.budget.reconciliation"),
                            "genops.accounting.reconciliation_delta", {"doubleValue": 9.5}))

    def r17(l):
        for owner in (failed(l), find_event(failed(l), "genops.policy.evaluated")):
            set_attr(owner, "genops.policy.result", {"stringValue": "WARNING"})
    case("R17_failed_reservation_not_blocked.jsonl", "none", ["R17", "R45"], r17)

    def r18(l):
        drop_event(rollout(l), "genops.budget.reconciliation")
        drop_event(rollout(l), "sim.execution.end")
    case("R18_execution_never_reconciled.jsonl", "none", ["R12", "R18", "R45"], r18)
    case("R20_cut_short_not_flagged.jsonl", "full", ["R20"],
         lambda l: drop_event(rollout(l), "sim.execution.end"))

    def replay(l):
        s = rollout(l)
        for owner in (s, find_event(s, "genops.budget.reservation"),
                      find_event(s, "genops.budget.reconciliation")):
            set_attr(owner, "genops.accounting.reserved", {"doubleValue": 13.0})
        set_attr(find_event(s, "genops.budget.reconciliation"),
                 "genops.accounting.reconciliation_delta", {"doubleValue": -10.0})
    # The replay file itself is conformant; paired with the base run it breaks R21.
    replayed = base_run()
    replay(replayed)
    write("R21_replay_reserves_differently.jsonl", replayed)
    MANIFEST.append("R21_replay_reserves_differently.jsonl full")
    MANIFEST.append("valid_ours_mixed_lifecycles.jsonl none R21 R45 "
                    "replay=R21_replay_reserves_differently.jsonl")

    def r22(l):
        for owner in (rollout(l), find_event(rollout(l), "genops.policy.evaluated")):
            set_attr(owner, "genops.policy.result", {"stringValue": "allowed"})
    case("R22_lowercase_result.jsonl", "none", ["R22"], r22)

    def r23(l):
        for owner in (rollout(l), find_event(rollout(l), "genops.policy.evaluated")):
            set_attr(owner, "genops.policy.result", {"stringValue": "BLOCKED"})
            set_attr(owner, "genops.policy.reason_code", {"stringValue": "POLICY_DENY_CONTENT"})
    case("R23_blocked_awu_executed.jsonl", "none", ["R23"], r23)
    case("R24_decision_event_without_result.jsonl", "none", ["R24"],
         lambda l: drop_attr(find_event(frozen(l), "genops.policy.evaluated"),
                             "genops.policy.result"))

    def r25(l):
        drop_attr(frozen(l), "genops.policy.reason_code")
        drop_attr(find_event(frozen(l), "genops.policy.evaluated"), "genops.policy.reason_code")
    case("R25_blocked_without_reason_code.jsonl", "none", ["R25"], r25)

    def r26(l):
        for owner in (rollout(l), find_event(rollout(l), "genops.policy.evaluated")):
            set_attr(owner, "genops.policy.reason_code", {"stringValue": "x_reviewed"})
    case("R26_reason_code_on_allowed.jsonl", "none", ["R26"], r26)
    case("R27_span_decision_differs_from_event.jsonl", "none", ["R27"],
         lambda l: set_attr(frozen(l), "genops.policy.result", {"stringValue": "WARNING"}))

    def r28(l):
        for owner in (rollout(l), find_event(rollout(l), "genops.policy.evaluated")):
            set_attr(owner, "genops.policy.result", {"stringValue": "RATE_LIMITED"})
            set_attr(owner, "genops.policy.reason_code", {"stringValue": "RATE_LIMITED"})
    case("R28_rate_limited_then_executed.jsonl", "none", ["R28"], r28)

    def r29(l):
        s = frozen(l)
        again = copy.deepcopy(find_event(s, "genops.policy.evaluated"))
        set_attr(again, "sim.seq", {"intValue": str(SEQ())})
        s["events"].append(again)
    case("R29_two_decisions_on_one_awu.jsonl", "full", ["R29"], r29)

    def code(text):
        def mutate(l):
            for owner in (frozen(l), find_event(frozen(l), "genops.policy.evaluated")):
                set_attr(owner, "genops.policy.reason_code", {"stringValue": text})
        return mutate
    case("R30_free_form_reason_code.jsonl", "none", ["R30"], code("frozen on Fridays"))
    case("R31_malformed_extension_code.jsonl", "none", ["R31"], code("x_Change_Freeze"))
    case("R32_invented_unprefixed_code.jsonl", "none", ["R32"], code("CHANGE_FREEZE"))
    case("R34_sla_met_inconsistent.jsonl", "none", ["R34"],
         lambda l: set_attr(rollout(l), "genops.sla.met", {"boolValue": False}))
    case("R35_missing_operation_type.jsonl", "none", ["R35"],
         lambda l: drop_attr(limited(l), "genops.operation.type"))
    case("R36_missing_spec_version.jsonl", "none", ["R36"],
         lambda l: drop_attr(failed(l), "genops.spec.version"))
    case("R37_missing_reserved_on_span.jsonl", "none", ["R37"],
         lambda l: drop_attr(rollout(l), "genops.accounting.reserved"))
    case("R38_missing_actual_on_span.jsonl", "none", ["R38"],
         lambda l: drop_attr(propose(l), "genops.accounting.actual"))
    case("R39_no_decision_event.jsonl", "none", ["R39", "R45"],
         lambda l: drop_event(limited(l), "genops.policy.evaluated"))
    case("R40_reserved_without_reservation_event.jsonl", "none", ["R40", "R45"],
         lambda l: drop_event(p1(l), "genops.budget.reservation"))

    def r41(l):
        s = p1(l)
        s["events"].append(event("genops.budget.reconciliation", int(s["endTimeUnixNano"]),
                                 [("genops.accounting.actual", 0.0),
                                  ("genops.accounting.reserved", 4.0),
                                  ("genops.accounting.unit", "error_budget_minutes")]))
    case("R41_unexecuted_awu_reconciled.jsonl", "none", ["R41", "R45"], r41)
    case("R42_reservation_amount_as_int.jsonl", "none", ["R42", "R45"],
         lambda l: set_attr(find_event(rollout(l), "genops.budget.reservation"),
                            "genops.accounting.reserved", {"intValue": "12"}))
    case("R43_cost_event_without_currency.jsonl", "none", ["R43", "R45"],
         lambda l: drop_attr(find_event(propose(l), "genops.cost.calculated"),
                             "genops.cost.currency"))
    case("R44_placeholder_team.jsonl", "none", ["R44"],
         lambda l: set_attr(limited(l), "genops.team", {"stringValue": "unknown"}))
    def r44(l):
        reconciliation = find_event(rollout(l), "genops.budget.reconciliation")
        for owner in (rollout(l), reconciliation):
            set_attr(owner, "genops.accounting.actual", {"doubleValue": -1.0})
        set_attr(reconciliation, "genops.accounting.reconciliation_delta", {"doubleValue": -13.5})
    case("R44_negative_actual.jsonl", "none", ["R44"], r44)

    # Partial compliance (§9.2): accounting recorded after the fact, no reservation events.
    def posthoc(l):
        for spans in l:
            for s in spans:
                drop_event(s, "genops.budget.reservation")
    case("partial_posthoc_accounting_declared.jsonl", "partial", ["R12", "R14", "R40"], posthoc,
         declaration=PARTIAL)
    case("R45_partial_runtime_claims_full.jsonl", "none", ["R12", "R14", "R40", "R45"], posthoc,
         declaration=FULL)
    case("R45_partial_runtime_undeclared.jsonl", "none", ["R12", "R14", "R40", "R45"], posthoc,
         declaration=None)
    case("R46_noncompliant_runtime_claims_partial.jsonl", "none", ["R9", "R46"],
         lambda l: drop_attr(frozen(l), "genops.team"), declaration=PARTIAL)
    case("R48_spec_version_not_semver.jsonl", "none", ["R48"],
         lambda l: set_attr(frozen(l), "genops.spec.version", {"stringValue": "0.1"}))
    case("R50_declaration_with_hyphen.jsonl", "none", ["R50"], lambda l: None,
         declaration="GenOps v0.1 - full")

    header = ("# GenOps v0.1 conformance corpus: <file> <expected level: full|partial|none> "
              "<every failing requirement id, MUST and SHOULD> [replay=<second run>]\n"
              "# Broken files declare no compliance level (so R46 stays quiet), except the R45/R46/"
              "R50 files;\n# a broken invariant or event leaves partial evidence, which must be "
              "declared: hence R45 with them.\n"
              "# Generated by make_corpus.py, except the hand-written valid_foreign_*.jsonl.\n")
    foreign = "valid_foreign_llm_gateway.jsonl full\n"
    (HERE / "manifest.txt").write_text(header + foreign + "\n".join(MANIFEST) + "\n",
                                       encoding="utf-8")


if __name__ == "__main__":
    main()
