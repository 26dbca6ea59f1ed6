"""nbdev's docs processing (the step `nbdev_docs` runs before Quarto) over every notebook, one at a time.

    .venv/bin/python tools/proc_docs.py [--out DIR] [notebooks...]

Each notebook goes through nbdev's own processors (`FilterDefaults`: show_doc, exported and import
cells executed, directives applied) into DIR (default `_proc/`, as `nbdev_proc_nbs`). Unlike
`nbdev_proc_nbs`, a failing page does not stop the others: every failure is listed with the cell
that raised, and the exit status is 1 when any page cannot be processed. Pages named in `FIGURES`
must keep at least that many figures (image outputs) after processing."""
import os, sys, json, time, subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pages whose figures are the evidence of their section: minimum number of images kept
FIGURES = {'11_slides.eda.ipynb': 2, '12_slides.tissue.ipynb': 1, '13_slides.dedup.ipynb': 1, '14_slides.tiling.ipynb': 1,
           '21_ct.windowing.ipynb': 1, '22_ct.eda.ipynb': 2}

_ONE = """
import os, sys; from pathlib import Path
os.chdir(sys.argv[3])
from nbdev.serve_drv import main
from nbdev.processors import FilterDefaults
main((Path(sys.argv[1]), Path(sys.argv[2]), FilterDefaults))
"""

def _proc(args, timeout=600):
    "Process one notebook in a fresh interpreter (as nbdev does): (src, error or None, seconds)."
    src, dst = args
    t0 = time.time()
    try: r = subprocess.run([sys.executable, '-c', _ONE, src, dst, str(ROOT/'nbs')], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: return src, f'timed out after {timeout}s', time.time() - t0
    err = None
    if r.returncode:
        tail = r.stderr.strip().splitlines()
        i = next((k for k in range(len(tail)-1, -1, -1) if tail[k].startswith('Exception: Error in notebook')), None)
        err = ' '.join((tail[i:] if i is not None else tail[-6:])).strip()[:1500]
    return src, err, time.time() - t0

def n_images(nb:Path) -> int:
    cells = json.loads(nb.read_text())['cells']
    return sum(any(k.startswith('image/') for k in o.get('data', {})) for c in cells for o in c.get('outputs', []))

def check_docs(files=None, out=None, workers=2) -> bool:
    "Process every notebook for the docs; print one line per page; False if any fails or lacks its figures."
    out = Path(out or ROOT/'_proc'); out.mkdir(parents=True, exist_ok=True)
    files = [Path(f).resolve() for f in (files or sorted((ROOT/'nbs').glob('*.ipynb')))]
    with ThreadPoolExecutor(workers) as ex: res = list(ex.map(_proc, [(str(f), str(out/f.name)) for f in files]))
    ok = True
    for src, err, secs in res:
        name = Path(src).name
        if err: print(f'FAIL docs {name}: {err}'); ok = False; continue
        need, got = FIGURES.get(name, 0), n_images(out/name)
        if got < need: print(f'FAIL docs {name}: {got} figure(s) on the page, {need} expected'); ok = False
        else: print(f'ok   docs {name} ({secs:.0f}s, {got} figures)')
    return ok

if __name__ == '__main__':
    a = sys.argv[1:]
    out = a[a.index('--out') + 1] if '--out' in a else None
    files = [f for i, f in enumerate(a) if f != '--out' and (i == 0 or a[i-1] != '--out')]
    sys.exit(0 if check_docs(files or None, out) else 1)
