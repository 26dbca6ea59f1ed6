"""The full test suite behind `make test` (and so CI's `.ci/run`).

1. `nbdev_export` + `nbdev_clean` must leave nbs/ and clotlib/ unchanged, and README.md must match
   nbs/index.ipynb (otherwise a module was edited by hand, or a notebook was not exported/cleaned).
2. No notebook may exceed 1 MB.
3. nbdev's docs processing runs exactly as the site build runs it (`tools/proc_docs.py`: `nbdev_proc_nbs`
   from an empty `_proc/`, every page in nbdev's own spawned process pool; the step `nbdev_docs` runs
   before Quarto; nothing is installed, see proc_docs.py): a page that cannot be processed, one that lost
   the figures its section shows, or a source file the processing rewrote, fails the suite.
4. The processed pages are rendered into `_docs/` and opened in headless Chromium (title, sidebar links,
   the figures/tables of tools/docs_checks.json; skipped without a browser outside CI), and JupyterLab is
   started headless, its API checked and a notebook rerun through its kernel.
5. Every notebook runs under nbdev's own test runner (`test_nb`, default flags: `tst_flags` in
   settings.ini are skipped), two at a time.
Prints `N passed, N failed` (notebooks) last; exits 1 on any failure, or when no notebook ran."""
import hashlib, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAX_NB_BYTES = 1_000_000

def snapshot():
    "Hash of every file under nbs/ and clotlib/ (tracked or not), plus README.md."
    files = [p for d in ('nbs', 'clotlib') for p in (ROOT/d).rglob('*')
             if p.is_file() and '__pycache__' not in p.parts and '.ipynb_checkpoints' not in p.parts]
    files.append(ROOT/'README.md')
    return {str(p.relative_to(ROOT)): hashlib.sha1(p.read_bytes()).hexdigest() for p in files if p.exists()}

def check_sync():
    before = snapshot()
    for cmd in (['nbdev_export'], ['nbdev_clean']):
        r = subprocess.run([str(BIN/cmd[0]), *cmd[1:]], cwd=ROOT, capture_output=True, text=True)
        if r.returncode: print(f'FAIL {cmd[0]} exited {r.returncode}:\n{r.stderr[-2000:]}'); return False
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'readme.py')], cwd=ROOT)
    after = snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        print('FAIL nbdev_export / nbdev_clean / tools/readme.py changed these files (now updated; review and commit):')
        for c in changed: print('    ' + c)
        return False
    print('ok   notebooks, modules and README.md are in sync')
    return True

def check_sizes():
    big = [(p, p.stat().st_size) for p in sorted((ROOT/'nbs').rglob('*.ipynb')) if p.stat().st_size > MAX_NB_BYTES]
    for p, s in big: print(f'FAIL {p.relative_to(ROOT)} is {s/1e6:.2f} MB (> 1 MB): clear or shrink its outputs')
    if not big: print('ok   every notebook is under 1 MB')
    return not big

def run_notebooks(n_workers=2):
    os.chdir(ROOT)
    from fastcore.parallel import parallel
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    from nbdev.test import test_nb, _keep_file
    cfg = get_config()
    files = [f.absolute() for f in sorted(nbglob(as_path=True)) if _keep_file(f, '.notest')]
    if not files: return [], []
    os.chdir(cfg.nbs_path)
    t0 = time.time()
    res = parallel(test_nb, files, skip_flags=cfg.tst_flags.split(), force_flags=[], n_workers=n_workers,
                   basepath=cfg.config_path, pause=0.01, do_print=False)
    ok = []
    for f, (passed, secs) in zip(files, res):
        print(f"{'ok  ' if passed else 'FAIL'} {f.name} ({secs:.0f}s)"); ok.append(passed)
    print(f'notebooks took {time.time()-t0:.0f}s')
    return files, ok

def check_docs():
    sys.path.insert(0, str(ROOT/'tools'))
    from proc_docs import check_docs as run
    t0 = time.time(); ok = run()
    print(f'docs processing took {time.time()-t0:.0f}s')
    return ok

def check_browser():
    "The processed pages rendered (tools/render_docs.py) and opened in headless Chromium (tools/browser_check.py)."
    sys.path.insert(0, str(ROOT/'tools'))
    import render_docs, browser_check
    t0 = time.time(); render_docs.self_check(); render_docs.render_site(ROOT/'_proc', ROOT/'_docs')
    ok = browser_check.check_site(ROOT/'_docs') is not False          # None: no browser outside CI, skipped
    print(f'docs site and browser check took {time.time()-t0:.0f}s')
    return ok

def check_lab():
    "JupyterLab headless: API, and a notebook rerun through its kernel (tools/lab_check.py)."
    sys.path.insert(0, str(ROOT/'tools'))
    from lab_check import check_lab as run
    return run()

if __name__ == '__main__':
    sync, sizes, docs = check_sync(), check_sizes(), check_docs()
    browser, lab = check_browser(), check_lab()
    files, ok = run_notebooks(int(os.environ.get('CLOTLIB_TEST_WORKERS', 2)))
    n_pass, n_fail = sum(ok), len(ok) - sum(ok)
    if not files: print('FAIL no notebook was eligible for testing')
    print(f'{n_pass} passed, {n_fail} failed')
    sys.exit(0 if (sync and sizes and docs and browser and lab and files and n_fail == 0) else 1)
