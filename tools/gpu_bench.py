"""Is `clotlib train` loader-bound on a GPU? Training images/s at 256 px from PNG tiles through the real loaders
(`make_dls` with the training augmentations) against the same model fed synthetic batches already on the device,
for ResNet18 and ResNeXt50, with the GPU switches of `clotlib.learn.data.accel_options` on.

    python tools/gpu_bench.py --out gpu_bench_out            # on a GPU machine, from the repository root (a few minutes)
    python tools/gpu_bench.py --quick --out /tmp/gpu_bench   # anywhere: tiny sizes, a check of this script on CPU

Prints one JSON object (card, torch version, switches, rates, ratios) and writes it to OUT/gpu_bench.json; the tiles
go to a temporary folder, removed at the end. Rates are steady-state: the first batches of every epoch (worker
start-up, queue fill) and a warm-up epoch (cuDNN autotuning, compilation) are left out; each rate is the best of
--repeat epochs, the sides interleaved. `loader_only` iterates the training loader with no model: the most the
loaders can feed. A ratio `real / synthetic` near 1 means the GPU, not the loader, sets the pace."""
import argparse, inspect, json, os, shutil, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))     # the checkout's clotlib, installed or not

def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='folder for gpu_bench.json')
    p.add_argument('--archs', default='resnet18,resnext50_32x4d', help='timm names, comma-separated')
    p.add_argument('--size', type=int, default=None, help='input side in px (default 256; --quick: 32)')
    p.add_argument('--images', type=int, default=None, help='training tiles (default 4096; --quick: 48)')
    p.add_argument('--bs', type=int, default=None, help="batch size (default: `clotlib train`'s; --quick: 8)")
    p.add_argument('--workers', type=int, default=None, help="loader processes (default: accel_options's for the device)")
    p.add_argument('--repeat', type=int, default=None, help='measured epochs per side (default 2; --quick: 1)')
    p.add_argument('--compile', action='store_true', help='torch.compile the model (CUDA only; adds compile time to the warm-up)')
    p.add_argument('--quick', action='store_true', help='tiny sizes (one torch thread on CPU): checks the script in under two minutes on two cores')
    return p.parse_args(argv)

def _tile(job):
    "One smooth random RGB tile (noise on an upsampled coarse pattern), seeded by its number, written as PNG."
    import numpy as np
    from PIL import Image
    path, i, size, seed = job
    rng = np.random.default_rng([seed, i])
    coarse = Image.fromarray(rng.integers(0, 256, (max(size//16, 2),)*2 + (3,), dtype=np.uint8)).resize((size, size), Image.BICUBIC)
    Image.fromarray(np.clip(np.asarray(coarse, int) + rng.integers(-8, 9, (size, size, 3)), 0, 255).astype(np.uint8)).save(path)

def tiles(folder:Path, n:int, size:int, seed:int=0, workers:int=1):
    "Write `n` tiles and their tiles.csv (two classes, four patients), in `workers` processes."
    import pandas as pd
    from concurrent.futures import ProcessPoolExecutor
    jobs = [(folder/f'im{i:05d}.png', i, size, seed) for i in range(n)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex: list(ex.map(_tile, jobs, chunksize=64))
    else: list(map(_tile, jobs))
    df = pd.DataFrame([dict(image_id=f'p{i % 4}_{i}', path=f'im{i:05d}.png', label=('CE', 'LAA')[i % 2], patient_id=f'p{i % 4}') for i in range(n)])
    df.to_csv(folder/'tiles.csv', index=False)
    return df

def _clock(skip:int, cuda:bool):
    "A fastai callback: steady-state images/s of each training epoch, from its `skip`-th batch on (and of the whole epoch)."
    import torch
    from fastai.callback.core import Callback
    class Clock(Callback):
        order = 99
        def before_fit(self): self.rates, self.whole = [], []
        def before_train(self): self.t0, self.stamps, self.n = time.perf_counter(), [], []
        def after_batch(self):
            if not self.training: return
            if cuda: torch.cuda.synchronize()
            self.stamps.append(time.perf_counter()); self.n.append(len(self.learn.yb[0]))
        def after_train(self):
            self.rates.append(sum(self.n[skip + 1:])/(self.stamps[-1] - self.stamps[skip]))
            self.whole.append(sum(self.n)/(self.stamps[-1] - self.t0))
    return Clock()

class OnDevice:
    "`n` batches of one synthetic `(x, y)` already on the device, in the shape of a fastai loader for `Learner.fit`."
    def __init__(self, x, y, n): self.x, self.y, self.n, self.device = x, y, n, x.device
    def __len__(self): return self.n
    def __iter__(self): return iter([(self.x, self.y)]*self.n)

def loader_rate(dl, skip:int, cuda:bool) -> float:
    "Images/s of one pass over a loader with no model (decode, augment, collate, to the device, batch transforms)."
    import torch
    stamps, n = [], []
    for xb, yb in dl:
        if cuda: torch.cuda.synchronize()
        stamps.append(time.perf_counter()); n.append(len(yb))
    return sum(n[skip + 1:])/(stamps[-1] - stamps[skip])

def bench_arch(arch, df, folder, a, acc, dev) -> dict:
    "Real-loader, synthetic and loader-only training rates of one architecture."
    import numpy as np, torch
    from fastai.data.core import DataLoaders
    from fastai.losses import CrossEntropyLossFlat
    from clotlib.core import seed_everything
    from clotlib.learn.data import make_dls
    from clotlib.learn.models import create_learner
    from clotlib.learn.train import accelerated, make_opt
    seed_everything(0)
    real = make_dls(df, folder, 'clot', a.size, a.bs, 'default', num_workers=acc.num_workers, seed=0)
    learn = create_learner(real, arch, pretrained=False, img_size=a.size, loss_func=CrossEntropyLossFlat(), opt_func=make_opt('adamw'))
    nb = len(real.train)
    x = torch.randn(a.bs, 3, a.size, a.size, device=dev); y = torch.randint(0, 2, (a.bs,), device=dev)
    synth = DataLoaders(OnDevice(x, y, nb), OnDevice(x, y, 1))
    skip, cuda = max(1, min(10, nb//4)), dev.type == 'cuda'
    res = dict(train_real_loaders=0., train_synthetic=0., loader_only=0., train_real_whole_epoch=0.)
    with learn.no_bar(), learn.no_logging(), accelerated(learn, acc):
        learn.dls = DataLoaders(OnDevice(x, y, min(nb, 2*skip + 2)), OnDevice(x, y, 1))   # warm-up: not measured
        learn.fit(1, 1e-4)
        for _ in range(a.repeat):                                   # interleaved: both sides see the same machine state
            for name, d in (('train_real_loaders', real), ('train_synthetic', synth)):
                clock = _clock(skip, cuda); learn.dls = d
                learn.fit(1, 1e-4, cbs=clock)
                res[name] = max(res[name], clock.rates[0])
                if d is real: res['train_real_whole_epoch'] = max(res['train_real_whole_epoch'], clock.whole[0])
            res['loader_only'] = max(res['loader_only'], loader_rate(real.train, skip, cuda))
    res = {k: round(v, 1) for k, v in res.items()}
    res['ratio_real_over_synthetic'] = round(res['train_real_loaders']/res['train_synthetic'], 3)
    res['batches_per_epoch'], res['params_M'] = nb, round(sum(p.numel() for p in learn.model.parameters())/1e6, 1)
    return res

def main(argv=None) -> dict:
    a = _args(argv)
    t_start = time.perf_counter()
    import numpy as np, torch
    from clotlib.learn.data import accel_options
    from clotlib.learn.train import train
    q = a.quick
    a.size = a.size or (32 if q else 256)
    a.images = a.images or (48 if q else 4096)
    a.bs = a.bs or (8 if q else inspect.signature(train).parameters['bs'].default)
    a.repeat = a.repeat or (1 if q else 2)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if q and dev.type == 'cpu': torch.set_num_threads(1)            # a small shared CPU: threads would wait on each other
    acc = accel_options(dev, a.workers, compile=a.compile)
    for note in acc.notes: print(note, file=sys.stderr)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix='clotlib-gpu-bench-'))
    try:
        t0 = time.perf_counter()
        df = tiles(tmp, a.images + 2*a.bs, a.size, workers=max(acc.num_workers, 1))
        df['split'] = np.where(np.arange(len(df)) < a.images, 'train', 'valid')
        made = time.perf_counter() - t0
        results = {arch: bench_arch(arch, df, tmp, a, acc, dev) for arch in a.archs.split(',')}
    finally: shutil.rmtree(tmp, ignore_errors=True)
    r = dict(benchmark='clotlib train: real loaders vs synthetic batches on the device', quick=q, device=dev.type,
             card=torch.cuda.get_device_name(0) if dev.type == 'cuda' else None, torch=torch.__version__, cuda=torch.version.cuda,
             cores=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
             size=a.size, images=a.images, bs=a.bs, options={k: v for k, v in acc.items() if k != 'notes'},
             unit='training images/s (steady state; whole_epoch: with the loader start-up)', results=results,
             seconds=dict(tiles=round(made, 1), total=round(time.perf_counter() - t_start, 1)))
    (out/'gpu_bench.json').write_text(json.dumps(r, indent=1) + '\n')
    print(json.dumps(r, indent=1))
    return r

if __name__ == '__main__': main()
