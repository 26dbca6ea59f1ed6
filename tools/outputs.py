"""Run notebooks top to bottom and keep their outputs, the way a reader sees them on the docs site.

    .venv/bin/python tools/outputs.py [--realdata] [--flags slow] nbs/14_slides.tiling.ipynb [more notebooks]

Cells are run as `nbdev_test` runs them (cells flagged with `tst_flags` from settings.ini, e.g. `slow`,
and `#| eval: false` cells are skipped and keep no output; `--flags slow` runs the cells with those flags too, and they keep theirs); the notebook is then written back and
cleaned with `nbdev_clean`, which keeps outputs. Stops with the traceback of the first failing cell
and leaves that notebook unchanged.

The real-data samples (`CLOTLIB_REALDATA`, `../shared/realdata`) are not part of the repository, so by
default they are hidden while outputs are made (CLOTLIB_REALDATA points nowhere and the real-data cells
take their "absent" path): no real image or identifier is saved into a notebook. `--realdata` keeps
them visible, for pages whose real-data cells print only aggregate numbers."""
import os, sys, subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def run(fn:Path, run_flags:set=frozenset()) -> bool:
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    from nbdev.process import extract_directives
    flags = set(get_config().tst_flags.split()) - set(run_flags)
    nb = read_nb(fn)
    def skip(cell):
        if cell.cell_type != 'code': return True
        d = extract_directives(cell, remove=False)
        if d.get('eval:', [''])[0].lower() == 'false' or flags & d.keys():
            cell.outputs, cell.execution_count = [], None
            return True
    os.environ['IN_TEST'] = '1'
    sh = CaptureShell(fn)
    try:
        with working_directory(fn.parent): sh.run_all(nb, exc_stop=True, preproc=skip)
    except Exception:
        sys.stderr.write(sh.prettytb(fname=fn) + '\n'); return False
    write_nb(nb, fn)
    subprocess.run([str(BIN/'nbdev_clean'), '--fname', str(fn)], cwd=ROOT, check=True)
    print(f'{fn.name}: {fn.stat().st_size/1e3:.0f} kB with outputs')
    return True

if __name__ == '__main__':
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    args = sys.argv[1:]
    if '--realdata' in args: args.remove('--realdata')
    else: os.environ['CLOTLIB_REALDATA'] = str(ROOT/'.no-realdata')
    run_flags = set()
    if '--flags' in args:
        i = args.index('--flags'); run_flags = set(args[i + 1].split(',')); del args[i:i + 2]
    ok = [run(Path(f).resolve(), run_flags) for f in args]
    sys.exit(0 if ok and all(ok) else 1)
