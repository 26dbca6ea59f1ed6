"""Start JupyterLab on the notebooks, with a kernel that imports this checkout's clotlib (`make lab`).

    .venv/bin/python tools/lab.py [jupyter lab options, e.g. --no-browser --port 8899]

The server runs from `.venv` with `nbs/` as its root, so notebooks run in `nbs/` as `nbdev_test` runs
them. Its default kernel is `clotlib`, a kernelspec written into `.venv` whose command is this
`.venv`'s Python: the editable install makes `import clotlib` load `clotlib/` of this checkout, and no
kernel of another environment (e.g. a user-wide `python3`) can shadow it. The notebooks carry no
kernel metadata (nbdev_clean strips it); this environment's JupyterLab settings start the default kernel
on opening (`autoStartDefaultKernel`), so every notebook opens on `clotlib` without a kernel dialog."""
import json, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL = 'clotlib'

def ensure_kernel(name:str=KERNEL) -> Path:
    "Write (or refresh) the `name` kernelspec in this environment's `share/jupyter/kernels`; returns its folder."
    d = Path(sys.prefix)/'share'/'jupyter'/'kernels'/name
    spec = dict(argv=[sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                display_name='Python (clotlib, .venv)', language='python', metadata=dict(debugger=True))
    d.mkdir(parents=True, exist_ok=True)
    f = d/'kernel.json'
    if not f.exists() or json.loads(f.read_text()) != spec: f.write_text(json.dumps(spec, indent=1) + '\n')
    return d

SETTINGS = {'@jupyterlab/notebook-extension:tracker': {'autoStartDefaultKernel': True}}

def ensure_settings() -> Path:
    "JupyterLab defaults of this environment (`share/jupyter/lab/settings/overrides.json`): notebooks open on the default kernel."
    f = Path(sys.prefix)/'share'/'jupyter'/'lab'/'settings'/'overrides.json'
    cur = json.loads(f.read_text()) if f.exists() else {}
    new = {k: {**cur.get(k, {}), **v} for k, v in SETTINGS.items()}
    if any(cur.get(k) != v for k, v in new.items()):
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps({**cur, **new}, indent=1) + '\n')
    return f

def lab_args(extra=()) -> list:
    "The `jupyter lab` command line `make lab` runs (root `nbs/`, default kernel `clotlib`; `--allow-root` as root), plus `extra`."
    root = ['--allow-root'] if hasattr(os, 'geteuid') and os.geteuid() == 0 else []   # containers often run as root
    return [str(Path(sys.executable).parent/'jupyter'), 'lab', f'--ServerApp.root_dir={ROOT/"nbs"}',
            f'--MappingKernelManager.default_kernel_name={KERNEL}', *root, *extra]

if __name__ == '__main__':
    ensure_kernel(); ensure_settings()
    cmd = lab_args(sys.argv[1:])
    os.execv(cmd[0], cmd)
