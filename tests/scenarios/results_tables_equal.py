#!/usr/bin/python3
"""Exit 0 when two genops-sim results files hold bit-identical tables.

Usage: results_tables_equal.py A.h5 B.h5

Compares every dataset under /runs and /lookup (dtype, shape and bytes) and every attribute of
those groups and datasets, except timings (attributes and columns named *wall*) and
dimension-scale references. Root attributes are
provenance (command line, creation time, thread count, sweep identity) and are not compared.
Prints the first difference and exits 1; exits 2 when a file cannot be read.
"""
import sys

import h5py
import numpy as np


def walk(group, prefix, out):
    for name, item in group.items():
        path = prefix + "/" + name
        out[path] = item
        if isinstance(item, h5py.Group):
            walk(item, path, out)


def attributes(item):
    # Dimension-scale references point into each file; the scales themselves are compared.
    skip = ("DIMENSION_LIST", "REFERENCE_LIST")
    return {k: item.attrs[k] for k in item.attrs if "wall" not in k and k not in skip}


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    try:
        fa, fb = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
    except OSError as error:
        print(error)
        return 2
    for top in ("runs", "lookup"):
        items_a, items_b = {}, {}
        walk(fa[top], "/" + top, items_a)
        walk(fb[top], "/" + top, items_b)
        if sorted(items_a) != sorted(items_b):
            print("objects differ:", sorted(set(items_a) ^ set(items_b))[:5])
            return 1
        for path in sorted(items_a):
            a, b = items_a[path], items_b[path]
            if isinstance(a, h5py.Dataset) and "wall" not in path.rsplit("/", 1)[-1]:
                if a.dtype != b.dtype or a.shape != b.shape:
                    print(path, "dtype/shape", a.dtype, a.shape, b.dtype, b.shape)
                    return 1
                va, vb = a[()], b[()]
                if a.dtype.kind == "O":  # variable-length strings: compare the values
                    differ = va.tolist() != vb.tolist()
                else:
                    differ = va.tobytes() != vb.tobytes()
                if differ:
                    print(path, "values differ")
                    return 1
            attrs_a, attrs_b = attributes(a), attributes(b)
            if sorted(attrs_a) != sorted(attrs_b):
                print(path, "attribute names differ")
                return 1
            for key in attrs_a:
                if not same(attrs_a[key], attrs_b[key]):
                    print(path + "@" + key, "differs:", attrs_a[key], attrs_b[key])
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
