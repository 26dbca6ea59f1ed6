"""Start JupyterLab headless, check that it answers, and rerun a notebook through a real kernel (`make lab-test`).

    .venv/bin/python tools/lab_check.py [--notebook 03_reference.ipynb]

1. Starts the server `make lab` starts (tools/lab.py: root `nbs/`, default kernel `clotlib`) on a free
   localhost port with a random token, no browser, runtime files in a temporary folder.
2. Checks its REST API: `/api/status`, the JupyterLab page `/lab`, `/api/kernelspecs` (the `clotlib`
   kernel is there and is the default), the notebook setting that starts it on opening, `/api/contents`
   (the notebook is listed).
3. Opens the notebook the way JupyterLab does (a session for its path, which starts the kernel in `nbs/`)
   and, over the kernel's websocket, checks that the kernel imports this checkout's `clotlib` with this
   `.venv`'s Python, then runs the notebook's code cells in order (cells flagged with settings.ini's
   `tst_flags` or `eval: false` are skipped, as `nbdev_test` skips them); any error fails.
4. Runs the same notebook once more with `jupyter nbconvert --to notebook --execute` on that kernel.
Prints one line per check, the times, and exits 1 on any failure; stops the server it started."""
import json, os, re, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request, uuid
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
from lab import ensure_kernel, ensure_settings, lab_args, KERNEL, SETTINGS

def _free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

class Lab:
    "A JupyterLab server of our own on localhost, and its REST API."
    def __init__(self, tmp:Path, timeout:float=90):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.base = f'http://127.0.0.1:{self.port}'
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp/'runtime'), JUPYTERLAB_WORKSPACES_DIR=str(tmp/'workspaces'))
        args = lab_args(['--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={self.port}',
                         '--ServerApp.port_retries=0', f'--IdentityProvider.token={self.token}'])
        self.log = open(tmp/'lab.log', 'w')
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        t0 = time.time()
        while True:
            if self.proc.poll() is not None: raise RuntimeError(f'jupyter lab exited with {self.proc.returncode}: ' + self.tail())
            try: self.status = self.get('/api/status'); break
            except OSError:
                if time.time() - t0 > timeout: raise RuntimeError(f'no answer on {self.base} after {timeout:.0f}s: ' + self.tail())
                time.sleep(0.25)
        self.startup = time.time() - t0
    def tail(self, n=5):
        self.log.flush(); return ' | '.join((Path(self.log.name).read_text().strip().splitlines() or [''])[-n:])
    def _req(self, method, path, body=None, raw=False):
        r = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                   headers={'Authorization': f'token {self.token}', 'Content-Type': 'application/json'})
        with urllib.request.urlopen(r, timeout=60) as f:
            b = f.read(); return (f.status, b) if raw else (json.loads(b) if b else None)
    def get(self, path, raw=False): return self._req('GET', path, raw=raw)
    def post(self, path, body): return self._req('POST', path, body)
    def delete(self, path): return self._req('DELETE', path)
    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try: self.proc.wait(20)
            except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        self.log.close()

class KernelChannel:
    "Execute code on a running server's kernel over its websocket (Jupyter messaging protocol)."
    def __init__(self, lab:Lab, kernel_id:str):
        import websocket
        self.ws = websocket.create_connection(f'ws://127.0.0.1:{lab.port}/api/kernels/{kernel_id}/channels?token={lab.token}', timeout=120)
        self.session = uuid.uuid4().hex
    def run(self, code:str, timeout:float=300) -> dict:
        "Run `code`; returns dict(status, stdout, error) once the kernel replies and is idle."
        mid = uuid.uuid4().hex
        self.ws.send(json.dumps(dict(channel='shell', header=dict(msg_id=mid, msg_type='execute_request', username='lab_check',
                                     session=self.session, version='5.3', date=''), parent_header={}, metadata={}, buffers=[],
                                     content=dict(code=code, silent=False, store_history=True, user_expressions={},
                                                  allow_stdin=False, stop_on_error=True))))
        out, err, status, idle, t0 = [], None, None, False, time.time()
        while not (status and idle):
            if time.time() - t0 > timeout: raise TimeoutError(f'no reply after {timeout:.0f}s')
            m = json.loads(self.ws.recv())
            if m.get('parent_header', {}).get('msg_id') != mid: continue
            t, c = m['header']['msg_type'], m['content']
            if t == 'stream': out.append(c['text'])
            elif t == 'error': err = f"{c['ename']}: {c['evalue']}"
            elif t == 'execute_reply': status = c['status']
            elif t == 'status' and c['execution_state'] == 'idle': idle = True
        return dict(status=status, stdout=''.join(out), error=err)
    def close(self): self.ws.close()

def code_cells(nb_path:Path) -> list:
    "Sources of the code cells a test run executes (settings.ini `tst_flags` and `eval: false` cells skipped)."
    cfg = ConfigParser(); cfg.read(ROOT/'settings.ini')
    flags = set(cfg['DEFAULT'].get('tst_flags', '').split())
    cells = []
    for c in json.loads(nb_path.read_text())['cells']:
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        dirs = re.findall(r'^\s*#\|\s*(.+?)\s*$', src, re.M)
        words = {w.rstrip(':') for d in dirs for w in d.split()}
        if flags & words or any(re.match(r'eval:\s*false', d, re.I) for d in dirs): continue
        cells.append(src)
    return cells

def check_lab(notebook:str='03_reference.ipynb') -> bool:
    "Run the four checks; True when all pass."
    nb = ROOT/'nbs'/notebook
    if not nb.exists(): print(f'FAIL lab: no notebook {nb}'); return False
    ensure_kernel(); ensure_settings()
    tmp, ok, t00 = Path(tempfile.mkdtemp(prefix='clotlib-lab-')), True, time.time()
    def res(good, msg):
        nonlocal ok; ok &= bool(good); print(('ok   lab ' if good else 'FAIL lab ') + msg)
    lab = None
    try:
        lab = Lab(tmp)
        res(lab.status.get('started'), f"server answers on localhost (api/status, {lab.startup:.1f}s to start)")
        code, page = lab.get('/lab', raw=True)
        res(code == 200 and b'JupyterLab' in page, f'JupyterLab page /lab: HTTP {code}')
        ks = lab.get('/api/kernelspecs')
        res(KERNEL in ks['kernelspecs'] and ks['default'] == KERNEL, f"kernelspecs {sorted(ks['kernelspecs'])}, default {ks['default']!r}")
        plugin, want = next(iter(SETTINGS.items()))
        st = lab.get(f'/lab/api/settings/{plugin}')                  # overrides.json sets the schema defaults
        got = {k: st['settings'].get(k, st['schema']['properties'].get(k, {}).get('default')) for k in want}
        res(got == want, f'JupyterLab setting {plugin}: {got}')
        names = [c['name'] for c in lab.get('/api/contents')['content']]
        res(notebook in names, f'contents: {len(names)} entries in nbs/, {notebook} among them')
        t0 = time.time()
        sess = lab.post('/api/sessions', dict(path=notebook, name=notebook, type='notebook', kernel=dict(name=KERNEL)))
        ch = KernelChannel(lab, sess['kernel']['id'])
        r = ch.run('import sys, os, clotlib; print(sys.executable); print(clotlib.__file__); print(os.getcwd())')
        exe, mod, cwd = (r['stdout'].strip().splitlines() + ['', '', ''])[:3]
        good = (r['status'] == 'ok' and Path(mod).resolve() == (ROOT/'clotlib'/'__init__.py').resolve()
                and os.path.abspath(exe) == os.path.abspath(sys.executable) and Path(cwd).resolve() == (ROOT/'nbs').resolve())
        res(good, f"kernel {KERNEL!r}: python {exe}, clotlib from {Path(mod).parent}, working folder {cwd}" + (f" ({r['error']})" if r['error'] else ''))
        cells, failed = code_cells(nb), None
        for i, src in enumerate(cells):
            r = ch.run(src)
            if r['status'] != 'ok': failed = f"code cell {i} of {len(cells)}: {r['error']}"; break
        res(failed is None, f'{notebook} rerun through the server kernel: {len(cells)} code cells in {time.time() - t0:.1f}s' + (f', {failed}' if failed else ''))
        ch.close(); lab.delete(f"/api/sessions/{sess['id']}")
        t0 = time.time()
        r = subprocess.run([str(Path(sys.executable).parent/'jupyter'), 'nbconvert', '--to', 'notebook', '--execute', str(nb),
                            '--output-dir', str(tmp), f'--ExecutePreprocessor.kernel_name={KERNEL}', '--ExecutePreprocessor.timeout=600'],
                           cwd=ROOT/'nbs', capture_output=True, text=True)
        tail = ' | '.join(re.sub(r'\x1b\[[0-9;]*m', '', r.stderr).strip().splitlines()[-3:])
        res(r.returncode == 0 and (tmp/notebook).exists(), f'jupyter nbconvert --execute {notebook} on {KERNEL!r}: {time.time() - t0:.1f}s' + ('' if r.returncode == 0 else f', {tail}'))
    except Exception as e:
        res(False, f'{type(e).__name__}: {e}')
    finally:
        if lab: lab.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'lab check took {time.time() - t00:.0f}s')
    return ok

if __name__ == '__main__':
    a = sys.argv[1:]
    sys.exit(0 if check_lab(a[a.index('--notebook') + 1] if '--notebook' in a else '03_reference.ipynb') else 1)
