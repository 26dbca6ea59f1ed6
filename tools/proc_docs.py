"""nbdev's docs processing exactly as the site build runs it: `nbdev_proc_nbs`, every page, in nbdev's own pool.

    .venv/bin/python tools/proc_docs.py [--changed]

The published site is built by `nbdev_docs`, whose first step is `nbdev_proc_nbs`: nbdev's processors
(`FilterDefaults`: show_doc, exported and import cells executed, directives applied) run over every
notebook in a process pool whose workers are *spawned*, from the repository root, and write `_proc/`.
This runs that very command, with no arguments, after removing `_proc/`, so that every page is
processed as on the site build's fresh checkout (`--changed` keeps `_proc/`: nbdev then processes only
the pages changed since; `nbdev_proc_nbs --force` is not used because nbdev passes `force` on to
`nbdev_sidebar`, which then overwrites the hand-written `nbs/sidebar.yml`). Then it checks the output:

- a page that nbdev could not process fails, with nbdev's `Error in notebook: ...` line. nbdev stops
  at the first error and leaves the pages it had not started unprocessed; those are then processed
  the same way (nbdev's driver, `nbdev.serve_drv.main`, in a spawned worker, from the repository root)
  but each in a process of its own, so that every failing page is listed, not only the first, and a
  page that kills its worker takes no other page with it;
- pages named in `FIGURES` must keep at least that many figures (image outputs) after processing;
- nbdev's processing must leave the sources as they are (it rewrites `nbs/nbdev.yml` and
  `clotlib/_modidx.py` from settings.ini and the modules, and `nbs/sidebar.yml` unless settings.ini
  says `custom_sidebar = True`): a file it changed fails the run.

nbdev 2.4's `nbdev_proc_nbs` first looks for `quarto` on PATH and, when there is none, tries to install
Quarto (`sudo`, `curl`, `dpkg`) and then runs `pip install -e .` with whichever `pip` comes first on
PATH. Here the command runs with this virtualenv's `bin/` first on PATH and, where Quarto is absent,
a stand-in `quarto` (a script that exits 1 if anything calls it; processing never does) in a temporary
folder ahead of it, so nbdev finds "Quarto" and installs nothing: the run touches nothing outside the
virtualenv but `_proc/` (and the two files above, which must come out unchanged)."""
import hashlib, os, re, shutil, subprocess, sys, tempfile, time, json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROC = ROOT/'_proc'                 # where nbdev_proc_nbs writes (nbdev fixes it: `<config_path>/_proc`)
# pages whose figures are the evidence of their section: minimum number of images kept
FIGURES = {'11_slides.eda.ipynb': 2, '12_slides.tissue.ipynb': 1, '13_slides.dedup.ipynb': 1, '14_slides.tiling.ipynb': 1,
           '21_ct.windowing.ipynb': 1, '22_ct.eda.ipynb': 2}
_STUB = """#!/bin/sh
echo "quarto: not installed here; this stand-in (tools/proc_docs.py) only keeps nbdev_proc_nbs from installing it" >&2
exit 1
"""

def n_images(nb:Path) -> int:
    cells = json.loads(nb.read_text())['cells']
    return sum(any(k.startswith('image/') for k in o.get('data', {})) for c in cells for o in c.get('outputs', []))

def _sources() -> dict:
    "Hash of every file nbdev's processing may rewrite or read as a source: nbs/ (not checkpoints), clotlib/, settings.ini."
    files = [p for d in ('nbs', 'clotlib') for p in (ROOT/d).rglob('*')
             if p.is_file() and '__pycache__' not in p.parts and '.ipynb_checkpoints' not in p.parts]
    files.append(ROOT/'settings.ini')
    return {str(p.relative_to(ROOT)): hashlib.sha1(p.read_bytes()).hexdigest() for p in files if p.exists()}

def proc_env(stub_dir:Path|None=None) -> dict:
    "The environment `nbdev_proc_nbs` runs in: this virtualenv's bin/ first on PATH, a stand-in quarto ahead of it where none exists."
    path = [str(BIN)] + [p for p in os.environ.get('PATH', '').split(os.pathsep) if p and Path(p) != BIN]
    env = dict(os.environ, VIRTUAL_ENV=str(BIN.parent), PIP_REQUIRE_VIRTUALENV='1')
    if stub_dir is not None:
        (stub_dir/'quarto').write_text(_STUB); (stub_dir/'quarto').chmod(0o755)
        path.insert(0, str(stub_dir))
    env['PATH'] = os.pathsep.join(path)
    env.pop('PYTHONPATH', None)
    return env

def run_proc_nbs(fresh:bool=True, timeout:float=1800) -> tuple:
    "Run `nbdev_proc_nbs` at the repository root as the site build does (`fresh`: from an empty `_proc/`): (return code, its output, seconds)."
    t0 = time.time()
    if fresh: shutil.rmtree(PROC, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix='clotlib-quarto-stub-') as d:
        env = proc_env(None if shutil.which('quarto', path=proc_env()['PATH']) else Path(d))
        try: r = subprocess.run([str(BIN/'nbdev_proc_nbs')], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired: return None, f'timed out after {timeout:.0f}s', time.time() - t0
    return r.returncode, (r.stdout or '') + (r.stderr or ''), time.time() - t0

_ONE = """
import sys
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
import nbdev.serve_drv
from nbdev.processors import FilterDefaults
if __name__ == '__main__':                 # one page in one spawned worker, as in nbdev's pool
    with ProcessPoolExecutor(1, mp_context=get_context('spawn')) as ex:
        ex.submit(nbdev.serve_drv.main, (Path(sys.argv[1]), Path(sys.argv[2]), FilterDefaults)).result()
"""

def _one(page:Path, script:Path, timeout:float) -> str|None:
    "Process `page` into `_proc/` in a spawned worker of its own: None, or nbdev's one-line reason."
    try: r = subprocess.run([sys.executable, str(script), str(page), str(PROC/page.name)], cwd=ROOT, env=proc_env(),
                            capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: return f'timed out after {timeout:.0f}s'
    if r.returncode == 0: return None
    return _reasons(r.stderr)[0]

def process_rest(pages:list, workers:int=2, timeout:float=900) -> dict:
    "Process `pages` as nbdev does (a spawned worker, repository root, same environment), each in its own process: {name: error or None}."
    from concurrent.futures import ThreadPoolExecutor
    if not pages: return {}
    with tempfile.TemporaryDirectory(prefix='clotlib-proc-') as d:
        script = Path(d)/'proc_one.py'; script.write_text(_ONE)
        with ThreadPoolExecutor(workers) as ex: errs = list(ex.map(lambda p: _one(Path(p), script, timeout), pages))
    return {Path(p).name: e for p, e in zip(pages, errs)}

_EXC = re.compile(r'^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b')

def _reasons(out:str) -> list:
    "One line per failing page in nbdev's output: its `Error in notebook: PAGE in cell N`, the cell's first line and the error that cell raised."
    lines, got = out.splitlines(), []
    for i, l in enumerate(lines):
        if not l.startswith('Exception: Error in notebook'): continue
        first = lines[i+1].strip() if i + 1 < len(lines) else ''
        cause = next((lines[k].strip() for k in range(i-1, -1, -1)
                      if _EXC.match(lines[k]) and not lines[k].startswith('Exception: Error in notebook')), '')
        got.append(f"{l[len('Exception: '):].rstrip(' :')} (`{first[:80]}`): {cause[:300]}")
    got = list(dict.fromkeys(got))
    return got or [' '.join(l.strip() for l in lines[-4:])[:600] or 'no output']

def check_docs(fresh:bool=True) -> bool:
    "Run nbdev's docs processing of every page; print one line per page; False if any page fails or lacks its figures."
    files = sorted((ROOT/'nbs').glob('*.ipynb'))
    before, t0 = _sources(), time.time()
    rc, out, secs = run_proc_nbs(fresh)
    changed = sorted(k for k, v in _sources().items() if before.get(k) != v)
    ok = rc == 0
    print(f"{'ok  ' if ok else 'FAIL'} docs nbdev_proc_nbs{' (from an empty _proc/)' if fresh else ''} exited {rc} ({secs:.0f}s)")
    if not ok:
        for e in _reasons(out): print(f'FAIL docs nbdev: {e}')
    new = lambda f: (PROC/f.name).exists() and ((PROC/f.name).stat().st_mtime >= t0
                                                or (not fresh and (PROC/f.name).stat().st_mtime >= f.stat().st_mtime))
    rest = process_rest([f for f in files if not new(f)]) if rc != 0 else {}
    if rest: print(f'     docs nbdev stopped at its first error; the {len(rest)} page(s) it left were processed one by one:')
    for f in files:
        p = PROC/f.name
        if rest.get(f.name): print(f'FAIL docs {f.name}: {rest[f.name]}'); ok = False; continue
        if not new(f): print(f'FAIL docs {f.name}: no page processed by this run'); ok = False; continue
        need, got = FIGURES.get(f.name, 0), n_images(p)
        if got < need: print(f'FAIL docs {f.name}: {got} figure(s) on the page, {need} expected'); ok = False
        else: print(f'ok   docs {f.name} ({got} figures)')
    if 'Quarto is not installed' in (out or '') or (ROOT/'.installing').exists():
        ok = False; print('FAIL docs nbdev_proc_nbs tried to install Quarto (and then pip install -e .): see proc_env')
    if changed:
        ok = False
        print('FAIL docs nbdev_proc_nbs changed these files (run nbdev_export, review and commit): ' + ', '.join(changed))
    missing = [n for n in FIGURES if not (ROOT/'nbs'/n).exists()]
    if missing: print(f'FAIL docs FIGURES names notebooks that do not exist: {", ".join(missing)}'); ok = False
    return ok

if __name__ == '__main__':
    sys.exit(0 if check_docs(fresh='--changed' not in sys.argv[1:]) else 1)
