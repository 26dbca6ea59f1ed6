"""Open the rendered docs site in headless Chromium and check what a reader sees (`make docs-test`).

    .venv/bin/python tools/browser_check.py [--render] [--site _docs] [--spec tools/docs_checks.json]

Checks, in a real browser (Debian `chromium` driven through `chromedriver`'s WebDriver protocol, plain
HTTP from the standard library; or, without chromedriver, chromium's own `--dump-dom`):

1. the home page opens and its title is the site's;
2. every sidebar link resolves to a rendered page (the file exists, the page opens, its title is
   "page – site" and it has a heading);
3. each page of the spec (`tools/docs_checks.json`: pages, and per page its title, how many figures
   must have decoded, how many tables with data, which texts must be visible; `optional` pages are
   skipped with a note until they are rendered) holds what it must;
4. a screenshot of each checked page is saved in `SITE/screenshots/`.

`--render` first renders the processed notebooks of `_proc/` into the site (tools/render_docs.py), processing
them when `_proc/` holds none; the renderer's Quarto translations are checked on small inputs first. Prints one line per check and exits 1 on any failure. Without Chromium it
prints why and exits 0 (skipped), except under CI (`CI` set), where a missing browser is a failure:
`.ci/run` installs it (`apt-get install -y chromium chromium-driver`)."""
import base64, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT/'tools'/'docs_checks.json'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--window-size=1280,1600']

def find_browser():
    "(chromium, chromedriver) paths; either may be None. `CHROMIUM` / `CHROMEDRIVER` override the search (`CHROMEDRIVER=none`: use `--dump-dom`)."
    b = os.environ.get('CHROMIUM') or next((shutil.which(n) for n in ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') if shutil.which(n)), None)
    d = os.environ.get('CHROMEDRIVER') or shutil.which('chromedriver')
    found = lambda p: p if p and p != 'none' and Path(p).is_file() else None
    return found(b), found(d)

# what a page shows, read in the browser (WebDriver) or from the DOM chromium dumps
_JS = """
const vis = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
return JSON.stringify({
  title: document.title,
  h1: Array.from(document.querySelectorAll('h1')).map(e => e.textContent.trim()),
  sidebar: Array.from(document.querySelectorAll('nav.sidebar a')).map(a => [a.textContent.trim(), a.href]),
  figures: Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0 && vis(i)).length,
  broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
  tables: Array.from(document.querySelectorAll('table')).filter(t => t.querySelectorAll('tbody tr, tr').length > 1).length,
  text: document.body ? document.body.innerText : ''
});"""

class WebDriver:
    "The few WebDriver calls needed, over chromedriver's HTTP endpoint."
    def __init__(self, browser, driver, profile):
        with socket.socket() as s: s.bind(('127.0.0.1', 0)); self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([driver, f'--port={self.port}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f'http://127.0.0.1:{self.port}'
        for _ in range(100):
            try:
                if self._req('GET', '/status')['value'].get('ready'): break
            except OSError: time.sleep(0.1)
        else: raise RuntimeError(f'chromedriver did not start on port {self.port}')
        caps = {'capabilities': {'alwaysMatch': {'browserName': 'chrome', 'goog:chromeOptions': {
            'binary': browser, 'args': FLAGS + [f'--user-data-dir={profile}']}}}}
        self.sid = self._req('POST', '/session', caps)['value']['sessionId']
    def _req(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.Request(self.url + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(r, timeout=timeout) as f: return json.loads(f.read() or b'{}')
    def _s(self, method, path, body=None): return self._req(method, f'/session/{self.sid}{path}', body)['value']
    def page(self, url:str) -> dict:
        self._s('POST', '/url', {'url': url})
        return json.loads(self._s('POST', '/execute/sync', {'script': _JS, 'args': []}))
    def screenshot(self, dest:Path): dest.write_bytes(base64.b64decode(self._s('GET', '/screenshot')))
    def close(self):
        try: self._req('DELETE', f'/session/{self.sid}', timeout=10)
        except Exception: pass
        self.proc.terminate()
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill()

class _DOM(HTMLParser):
    "Title, headings, sidebar links, images, tables and text of a dumped DOM."
    def __init__(self):
        super().__init__(); self.info = dict(title='', h1=[], sidebar=[], imgs=[], tables=0, rows=[], text=[])
        self._stack, self._nav, self._a = [], 0, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); self._stack.append(tag)
        if tag == 'nav' and 'sidebar' in (a.get('class') or ''): self._nav += 1
        elif tag == 'nav' and self._nav: self._nav += 1
        if tag == 'a' and self._nav: self._a = [ '', a.get('href', '')]
        if tag == 'img': self.info['imgs'].append(a.get('src', ''))
        if tag == 'table': self.info['rows'].append(0)
        if tag == 'tr' and self.info['rows']: self.info['rows'][-1] += 1
        if tag == 'h1': self.info['h1'].append('')
    def handle_endtag(self, tag):
        if self._stack: self._stack.pop()
        if tag == 'nav' and self._nav: self._nav -= 1
        if tag == 'a' and self._a is not None: self.info['sidebar'].append(self._a); self._a = None
    def handle_data(self, d):
        top = self._stack[-1] if self._stack else ''
        if top == 'title': self.info['title'] += d
        elif top in ('script', 'style'): return
        if self._a is not None: self._a[0] += d.strip()
        if 'h1' in self._stack and self.info['h1']: self.info['h1'][-1] += d.strip()
        self.info['text'].append(d)

class DumpDOM:
    "Without chromedriver: chromium's `--dump-dom` (the DOM after load) and `--screenshot`."
    def __init__(self, browser, profile): self.b, self.profile = browser, profile
    def _run(self, *args):
        return subprocess.run([self.b, *FLAGS, f'--user-data-dir={self.profile}', *args], capture_output=True, text=True, timeout=120)
    def page(self, url:str) -> dict:
        p = _DOM(); p.feed(self._run('--dump-dom', url).stdout); i = p.info
        base = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path)).parent
        ok = lambda s: s.startswith('data:image/') and len(s) > 100 or (base/urllib.request.url2pathname(s)).is_file()
        side = [[t, urllib.parse.urljoin(url, h)] for t, h in i['sidebar']]
        return dict(title=i['title'].strip(), h1=i['h1'], sidebar=side, figures=sum(map(ok, i['imgs'])),
                    broken=[s[:80] for s in i['imgs'] if not ok(s)], tables=sum(r > 1 for r in i['rows']), text=' '.join(i['text']))
    def screenshot(self, dest:Path, url:str=None): self._run(f'--screenshot={dest}', url)
    def close(self): pass

def check_site(site:Path=ROOT/'_docs', spec:Path=SPEC, shots:Path|None=None) -> bool|None:
    "Run the checks on a rendered site; True/False, or None when no browser is available (skipped)."
    sys.path.insert(0, str(ROOT/'tools'))
    site = Path(site).resolve(); shots = Path(shots or site/'screenshots')
    browser, driver = find_browser()
    if not browser:
        msg = 'chromium not found (Debian: apt-get install -y chromium chromium-driver; or set CHROMIUM)'
        if os.environ.get('CI'): print(f'FAIL browser: {msg}'); return False
        print(f'SKIP browser check: {msg}'); return None
    if not (site/'index.html').exists(): print(f'FAIL browser: no rendered site at {site} (make docs)'); return False
    from render_docs import site_config
    cfg = site_config(); pages = json.loads(Path(spec).read_text())['pages']
    shots.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix='clotlib-chromium-')
    t0, ok = time.time(), True
    def fail(m):
        nonlocal ok; ok = False; print(f'FAIL browser {m}')
    try:
        b = WebDriver(browser, driver, profile) if driver else DumpDOM(browser, profile)
        how = 'chromedriver' if driver else 'chromium --dump-dom'
        url = lambda name: (site/name).as_uri()
        home = b.page(url('index.html'))
        want = pages.get('index.html', {}).get('title', cfg['title'])
        if home['title'] != want: fail(f"index.html: title {home['title']!r}, expected {want!r}")
        else: print(f"ok   browser index.html: title {home['title']!r} ({how})")
        links = home['sidebar']
        if not links: fail('index.html: no sidebar links')
        bad = []
        for text, href in links:
            p = Path(urllib.request.url2pathname(urllib.parse.urlparse(href).path))
            if not href.startswith('file:') or not p.is_file(): bad.append(f'{text} -> {p.name} (no such page)'); continue
            pg = home if p.name == 'index.html' else b.page(href)
            if not pg['title'].endswith(cfg['title']) or not pg['h1']: bad.append(f'{text} -> {p.name} (title {pg["title"]!r}, not a rendered page)')
        if bad: fail(f'sidebar: {len(bad)} of {len(links)} links do not resolve: ' + '; '.join(bad))
        else: print(f'ok   browser sidebar: {len(links)} links, each opens a rendered page')
        for name, need in pages.items():
            if not (site/name).exists():
                if need.get('optional'): print(f'note browser {name}: not rendered yet (optional), skipped'); continue
                fail(f'{name}: not rendered'); continue
            pg = home if name == 'index.html' else b.page(url(name))
            probs = []
            if 'title' in need and pg['title'] != need['title']: probs.append(f"title {pg['title']!r} != {need['title']!r}")
            if pg['figures'] < need.get('figures', 0): probs.append(f"{pg['figures']} figure(s), {need['figures']} expected")
            if pg['tables'] < need.get('tables', 0): probs.append(f"{pg['tables']} table(s), {need['tables']} expected")
            probs += [f'text {t!r} not shown' for t in need.get('text', []) if t not in pg['text']]
            if pg['broken']: probs.append(f"{len(pg['broken'])} image(s) not loaded, e.g. {pg['broken'][0]}")
            shot = shots/(Path(name).stem + '.png')
            if driver: b.screenshot(shot)
            else: b.screenshot(shot, url(name))
            if probs: fail(f'{name}: ' + '; '.join(probs))
            else: print(f"ok   browser {name}: {pg['figures']} figure(s), {pg['tables']} table(s); screenshot {shot.relative_to(site.parent) if shot.is_relative_to(site.parent) else shot}")
        b.close()
    except Exception as e:
        fail(f'could not drive the browser: {type(e).__name__}: {e}')
    finally: shutil.rmtree(profile, ignore_errors=True)
    print(f'browser check took {time.time() - t0:.0f}s')
    return ok

def main(args=()) -> int:
    a = list(args)
    opt = lambda k, d: Path(a[a.index(k) + 1]) if k in a else d
    site, spec, proc = opt('--site', ROOT/'_docs'), opt('--spec', SPEC), opt('--proc', ROOT/'_proc')
    sys.path.insert(0, str(ROOT/'tools'))
    import render_docs
    render_docs.self_check()
    if '--render' in a:
        if not list(Path(proc).glob('*.ipynb')): render_docs.process(proc)
        render_docs.render_site(proc, site)
    res = check_site(site, spec)
    return 1 if res is False else 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
