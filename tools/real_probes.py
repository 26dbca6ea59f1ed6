"""Validation probes of training settings on the real RSNA PNG slices (`../shared/realdata/rsna_ich_png`).

    .venv/bin/python tools/real_probes.py --name s64w --size 64 --kw '{"weighted": true, "calibrate": "platt", "monitor": "mean_auc"}'

The 3,000 slices are split as the Real CT slices page splits them (`add_split(..., 'random', valid_pct=0.1,
test_pct=0.2, seed=0)`): the 600 `test` slices are that page's held-out part and are never read here; a probe trains
ResNet18 from scratch (8 epochs unless `--kw` says otherwise) on `--ntrain` of the 2,100 `train` slices and scores the
300 `valid` slices (AUC per label, the RSNA weighted log loss of the calibrated predictions). Each probe appends one JSON
line to WORK/results.jsonl; `nbs/real_runs/probes.csv` holds the probes behind the page's recommended recipe. The slices
are decoded and resized once per size (`--crop 1`: black border cropped first, as `clotlib index ich --crop`)."""
import argparse, json, os, time
from pathlib import Path
import numpy as np

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--name', required=True); ap.add_argument('--size', type=int, default=128); ap.add_argument('--crop', type=int, default=0)
    ap.add_argument('--ntrain', type=int, default=2100); ap.add_argument('--kw', default='{}', help='more `train` options as JSON')
    ap.add_argument('--work', default=None, help='work folder (default: clotlib_home()/real-probes)')
    a = ap.parse_args()
    from PIL import Image
    from clotlib.core import write_csv, data_path
    from clotlib.ct.images import index_images
    from clotlib.ct.windowing import crop_black
    from clotlib.learn.data import read_table, add_split
    from clotlib.learn.train import train
    from clotlib.ensemble import predict_model
    from clotlib.phantoms.fixtures import realdata_path
    from clotlib import metrics as M
    from clotlib.reference import ICH_LABELS
    src = realdata_path('rsna_ich_png')
    if src is None: raise SystemExit('../shared/realdata/rsna_ich_png not found: nothing to probe')
    R = Path(a.work) if a.work else data_path('real-probes')
    if not (R/'index'/'index.csv').exists(): index_images(src/'images', R/'index', src/'stage_2_train_subset.csv', progress=False)
    rows, _ = read_table(R/'index', 'ich')
    rows = add_split(rows, 'ich', 'random', valid_pct=0.1, test_pct=0.2, seed=0)
    rows = rows[rows.split != 'test'].copy()                                     # the page's held-out slices: never here
    rows.loc[rows[rows.split == 'train'].sample(frac=1, random_state=0).index[a.ntrain:], 'split'] = 'unused'
    cache = R/f'px{a.size}c{a.crop}'
    if not (cache/'done').exists():
        cache.mkdir(parents=True, exist_ok=True)
        for i, p in zip(rows.ID, rows.path):
            with Image.open(R/'index'/p) as im:
                im = im.convert('L')
                if a.crop: im = Image.fromarray(crop_black(np.asarray(im)))
                im.resize((a.size, a.size), Image.BILINEAR).save(cache/f'{i}.png')
        (cache/'done').touch()
    d = R/f'data_{a.name}'; d.mkdir(exist_ok=True)
    if not (d/'img').exists(): os.symlink(cache, d/'img')
    write_csv(rows.assign(path='img/' + rows.ID + '.png'), d/'index.csv')
    kw = dict(arch='resnet18', epochs=8, size=a.size, pretrained=False, split='random', out=R/f'model_{a.name}', export_pkl=False, seed=0, wait=True)
    kw.update(json.loads(a.kw))
    t0 = time.time(); learn = train(d, 'ich', **kw); secs = time.time() - t0
    print(learn.history.round(4).to_string())
    v = rows[rows.split == 'valid'].assign(path=lambda x: 'img/' + x.ID + '.png').reset_index(drop=True)
    p, _ = predict_model(R/f'model_{a.name}', v, root=d, num_workers=0)
    y, pp = v[ICH_LABELS].to_numpy(), p[ICH_LABELS].to_numpy()
    aucs = {k: M.binary_metrics(y[:, j], pp[:, j])['auc'] for j, k in enumerate(ICH_LABELS)}
    res = dict(name=a.name, size=a.size, crop=a.crop, ntrain=a.ntrain, kw={k: str(v) if isinstance(v, Path) else v for k, v in kw.items()}, secs=round(secs),
               valid=dict(auc_any=aucs['any'], mean_auc=float(np.nanmean(list(aucs.values()))), loss=M.rsna_log_loss(y, pp), aucs=aucs))
    print(json.dumps(res))
    with open(R/'results.jsonl', 'a') as f: f.write(json.dumps(res) + '\n')

if __name__ == '__main__': main()
