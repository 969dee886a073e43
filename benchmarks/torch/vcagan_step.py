"""The VCAGAN training steps of `pnpm bench`, written plainly in PyTorch: the yardstick.

One step is what Gantry's trainer does (packages/vcagan/src/vcagan.ts, Algorithm 1):
  discriminator phase: virtual labels c_r = onehot(argmax Q(x)); the CAGAN logistic loss
  on a(x)·c_r and a(x')·c; cross-entropy on the fake labels; Eq. 6 and R1 on the real batch,
  each by its own double backward; Adam(1e-3, β = (0, 0.99)) on D*;
  generator phase: the non-saturating loss on a(G(z, c))·c, Adam on G;
  P(C) <- 0.999 P(C) + 0.001 mean softmax(Q(x)).
The networks are Gantry's: equalized learning rate (N(0, 1) weights scaled by gain/sqrt(fan_in)
at run time, gain sqrt(2) in hidden layers and 1 in output layers), leaky ReLU 0.2, D* with an
adversarial head and a logits head of width d_c, G fed concat(z, onehot(c)).

Prints one JSON line per case: {"case", "ms", "p10", "p90", "steps", "threads", "torch"}.
Run by benchmarks/training-step.bench.mjs when `python3 -c 'import torch'` works; see
docs/benchmarks.md for the install and the figures. Not part of CI.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


class Dense(torch.nn.Module):
    def __init__(self, fan_in, units, gain=SQRT2):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(units, fan_in))
        self.bias = torch.nn.Parameter(torch.zeros(units))
        self.scale = gain / math.sqrt(fan_in)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class Conv(torch.nn.Module):
    """4x4 stride-2 'same' convolution (TF pads 1 and 1 for these sizes)."""

    def __init__(self, channels_in, filters, gain=SQRT2, transpose=False):
        super().__init__()
        shape = (channels_in, filters, 4, 4) if transpose else (filters, channels_in, 4, 4)
        self.weight = torch.nn.Parameter(torch.randn(*shape))
        self.bias = torch.nn.Parameter(torch.zeros(filters))
        # Both take kh·kw·(input channels) as the fan-in, as Gantry's equalized layers do.
        self.scale = gain / math.sqrt(4 * 4 * channels_in)
        self.transpose = transpose

    def forward(self, x):
        if self.transpose:
            return F.conv_transpose2d(x, self.weight * self.scale, self.bias, stride=2, padding=1)
        return F.conv2d(x, self.weight * self.scale, self.bias, stride=2, padding=1)


def leaky(x):
    return F.leaky_relu(x, 0.2)


class MlpDiscriminator(torch.nn.Module):
    def __init__(self, units, layers, categories, features=2):
        super().__init__()
        self.hidden = torch.nn.ModuleList([Dense(features if i == 0 else units, units) for i in range(layers)])
        self.adversarial = Dense(units, categories, 1.0)
        self.logits = Dense(units, categories, 1.0)

    def forward(self, x):
        for layer in self.hidden:
            x = leaky(layer(x))
        return self.adversarial(x), self.logits(x)


class MlpGenerator(torch.nn.Module):
    def __init__(self, units, layers, input_dim, features=2):
        super().__init__()
        self.hidden = torch.nn.ModuleList([Dense(input_dim if i == 0 else units, units) for i in range(layers)])
        self.out = Dense(units, features, 1.0)

    def forward(self, x):
        for layer in self.hidden:
            x = leaky(layer(x))
        return self.out(x)


class CnnDiscriminator(torch.nn.Module):
    def __init__(self, categories, channels=(64, 128)):
        super().__init__()
        self.convs = torch.nn.ModuleList([Conv(1 if i == 0 else channels[i - 1], c) for i, c in enumerate(channels)])
        flat = 7 * 7 * channels[-1]
        self.adversarial = Dense(flat, categories, 1.0)
        self.logits = Dense(flat, categories, 1.0)

    def forward(self, x):
        for conv in self.convs:
            x = leaky(conv(x))
        x = x.flatten(1)
        return self.adversarial(x), self.logits(x)


class CnnGenerator(torch.nn.Module):
    def __init__(self, input_dim, channels=(128, 64)):
        super().__init__()
        self.first = channels[0]
        self.dense = Dense(input_dim, 7 * 7 * channels[0])
        self.up = Conv(channels[0], channels[1], transpose=True)
        self.image = Conv(channels[1], 1, 1.0, transpose=True)

    def forward(self, x):
        h = leaky(self.dense(x)).view(-1, self.first, 7, 7)
        return torch.tanh(self.image(leaky(self.up(h))))


def input_gradient_penalty(output, x):
    """E ||grad_x sum(output)||^2, the norm summed over the input's axes: R1 and Eq. 6."""
    (grad,) = torch.autograd.grad(output.sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


class Vcagan:
    def __init__(self, D, G, latent, categories, lambda_creg, real_batch):
        self.D, self.G = D, G
        self.latent, self.categories, self.lambda_creg = latent, categories, lambda_creg
        self.real_batch = real_batch
        self.prior = torch.full((categories,), 1.0 / categories)
        self.opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.99))
        self.opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.0, 0.99))

    def step(self, batch=32):
        real = self.real_batch(batch).requires_grad_(True)
        z = torch.randn(batch, self.latent)
        index = torch.multinomial(self.prior, batch, replacement=True)
        c = F.one_hot(index, self.categories).float()
        g_input = torch.cat([z, c], 1)

        # Discriminator phase.
        with torch.no_grad():
            fake = self.G(g_input)
        a_r, logits_r = self.D(real)
        a_f, logits_f = self.D(fake)
        c_r = F.one_hot(logits_r.argmax(1), self.categories).float().detach()
        adversarial = F.softplus(-(a_r * c_r).sum(1)).mean() + F.softplus((a_f * c).sum(1)).mean()
        cls = F.cross_entropy(logits_f, index)
        creg = input_gradient_penalty((F.softmax(logits_r, 1) * c_r).sum(1), real)
        r1 = input_gradient_penalty((a_r * c_r).sum(1), real)
        loss_d = adversarial + cls + self.lambda_creg * creg + r1
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        observed = F.softmax(logits_r.detach(), 1).mean(0)

        # Generator phase: the same z and c, no classification loss (Eq. 8).
        a_g, _ = self.D(self.G(g_input))
        loss_g = F.softplus(-(a_g * c).sum(1)).mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()

        self.prior = 0.999 * self.prior + 0.001 * observed
        # One read per step, as Gantry's log and NaN guard need.
        return float(loss_d.item())


CENTERS = torch.tensor([[-2.0, 2.0], [2.0, 1.0], [0.0, -2.0], [1.0, -1.0]])
WEIGHTS = torch.tensor([0.1, 0.4, 0.2, 0.3])


def gaussian_batch(batch):
    component = torch.multinomial(WEIGHTS, batch, replacement=True)
    return CENTERS[component] + 0.3 * torch.randn(batch, 2)


def cases():
    def gaussian(units):
        return lambda: Vcagan(MlpDiscriminator(units, 4, 8), MlpGenerator(units, 4, 16 + 8), 16, 8, 0.1, gaussian_batch)

    def mnist():
        pool = torch.rand(256, 1, 28, 28) * 2 - 1
        return Vcagan(CnnDiscriminator(16), CnnGenerator(128 + 16), 128, 16, 5.0, lambda b: pool[torch.randint(0, 256, (b,))].clone())

    return {
        'VCAGAN Gaussian step (4×512, b 32)': gaussian(512),
        'VCAGAN Gaussian step (4×128, b 32)': gaussian(128),
        'VCAGAN MNIST step (CNN, b 32)': mnist,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--steps', type=int, default=50)
    parser.add_argument('--max-seconds', type=float, default=60)
    parser.add_argument('--only', default='')
    args = parser.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    for name, make in cases().items():
        if args.only and args.only.lower() not in name.lower():
            continue
        model = make()
        for _ in range(3):
            model.step()
        times = []
        started = time.perf_counter()
        while len(times) < args.steps and time.perf_counter() - started < args.max_seconds:
            start = time.perf_counter()
            model.step()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(json.dumps({
            'case': name, 'ms': times[len(times) // 2], 'p10': times[int(len(times) * 0.1)], 'p90': times[int(len(times) * 0.9)],
            'steps': len(times), 'threads': args.threads, 'torch': torch.__version__,
        }, ensure_ascii=False), flush=True)


if __name__ == '__main__':
    main()
