"""Times matrix products alone in PyTorch: reads JSON [[aShape, bShape, transposeA, transposeB, count], ...]
on stdin, prints one JSON line per product: µs per call, the median of 7 blocks of the mean of 100 calls."""
import argparse
import json
import sys
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for a_shape, b_shape, transpose_a, transpose_b, count in json.load(sys.stdin):
        a = torch.randn(*a_shape)
        b = torch.randn(*b_shape)

        def product():
            return torch.matmul(a.t() if transpose_a else a, b.t() if transpose_b else b)

        for _ in range(50):
            product()
        blocks = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(100):
                product()
            blocks.append((time.perf_counter() - start) * 1e6 / 100)
        blocks.sort()
        print(json.dumps({'a': a_shape, 'b': b_shape, 'transposeA': transpose_a, 'transposeB': transpose_b, 'count': count, 'us': blocks[3]}), flush=True)


if __name__ == '__main__':
    main()
