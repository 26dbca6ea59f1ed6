"""Render nbdev's processed notebooks to a static HTML documentation site, offline (`make docs`).

    .venv/bin/python tools/render_docs.py [--process] [--proc _proc] [--out _docs]

The published site is built by `nbdev_docs`: nbdev processes every notebook (show_doc, exported and
import cells executed, directives applied) and Quarto renders the result. Quarto cannot be installed
without network access, so this renders the same processed notebooks (`_proc/`, written by
`nbdev_proc_nbs` as `tools/proc_docs.py` runs it) with nbconvert's JupyterLab template into
`--out` (default `_docs/`, as nbdev.yml's `output-dir`):

- one page per processed notebook, named as Quarto names it (the `output-file` of its front matter),
  titled "page – site" (site title from `nbs/nbdev.yml`), `index` as the home page;
- the sidebar of `nbs/sidebar.yml` on every page (sections and pages in its order, the current page
  marked); a listed notebook without a processed page is kept as a link marked `missing`, reported,
  and makes the exit status 1;
- the Quarto markup the pages use, translated: cell options `#| echo/output/include: false`, link
  attributes (`[source](...){target=...}`), links to the site's own address (`doc_host`/`doc_baseurl`
  in settings.ini) and to `.ipynb` names made relative, so the site works from `file://`;
- no script from a CDN (no MathJax, require.js or mermaid); the CSS is linked from the site folder.

`--process` first runs the docs processing of every notebook (`nbdev_proc_nbs`, into `_proc/`: nbdev fixes
that folder, so `--proc` must then be `_proc`; the step `make test` runs as well) and renders only the pages
processed by this run, so a page that failed is missing, not stale;
without it, pages whose processed copy is older than their notebook are rendered with a warning.
Processed copies of notebooks no longer in `nbs/` are ignored."""
import json, re, shutil, sys, time
from configparser import ConfigParser
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
TEMPLATE = ROOT/'tools'/'docs_template'

def site_config(nbs:Path=NBS) -> dict:
    "Site title, description, repository, sidebar and the site's own address, from the nbdev/Quarto files."
    import yaml
    cfg = ConfigParser(); cfg.read(ROOT/'settings.ini')
    d = cfg['DEFAULT']
    web = (yaml.safe_load((nbs/'nbdev.yml').read_text()) or {}).get('website', {})
    side = (yaml.safe_load((nbs/'sidebar.yml').read_text()) or {}).get('website', {}).get('sidebar', {}).get('contents', [])
    base = d.get('doc_host', '').rstrip('/') + '/' + d.get('doc_baseurl', '').strip('/')
    return dict(title=web.get('title', d.get('title', 'docs')), description=web.get('description', ''),
                repo_url=web.get('repo-url', d.get('git_url', '')), sidebar=side, site_url=base.rstrip('/') + '/')

def front_matter(nb) -> dict:
    "The YAML front matter nbdev writes as the first raw cell (title, description, output-file), removed from `nb`."
    import yaml
    if nb.cells and nb.cells[0].cell_type == 'raw' and nb.cells[0].source.lstrip().startswith('---'):
        fm = yaml.safe_load(nb.cells[0].source.strip().strip('-')) or {}
        nb.cells.pop(0)
        return fm
    return {}

def default_name(nb_name:str) -> str:
    "The page nbdev names a notebook (leading number dropped): `11_slides.eda.ipynb` -> `slides.eda.html`."
    stem = Path(nb_name).stem
    return 'index.html' if stem == 'index' else re.sub(r'^\d+[a-z]?_', '', stem) + '.html'

_OPT = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_FLAG = re.compile(r'^\s*#\|')

def cell_options(src:str):
    "Quarto/nbdev cell options (`#| key: value`) and the source without any `#|` line."
    opts, body = {}, []
    for line in src.splitlines():
        m = _OPT.match(line)
        if m: opts[m[1].lower()] = m[2].lower(); continue
        if _FLAG.match(line): continue
        body.append(line)
    return opts, '\n'.join(body).strip('\n')

def fix_markdown(md:str, site_url:str, names:dict) -> str:
    "Translate the Quarto/nbdev markdown the pages use into what nbconvert's markdown renders, with site-relative links."
    def in_fences(m):                      # show_doc signatures carry markdown links inside code blocks
        return re.sub(r'\[`?([^\]`]+)`?\]\([^)]*\)', r'\1', m.group(0))
    md = re.sub(r'```.*?```', in_fences, md, flags=re.S)
    md = re.sub(r'\[([^\]]*)\]\(([^)\s]+)\)\{target="_blank"[^}]*\}', r'<a class="source-link" href="\2" target="_blank">\1</a>', md)
    md = re.sub(r'(\]\([^)\s]*\))\{[^}]*\}', r'\1', md)             # other Pandoc link attributes
    if site_url: md = md.replace('](' + site_url, '](')
    return re.sub(r'\]\((?!\w+:)([^)#\s]+)\.ipynb(#[^)\s]*)?\)',
                  lambda m: f']({names.get(Path(m[1]).name + ".ipynb", default_name(m[1]))}{m[2] or ""})', md)

def fix_html(html:str, site_url:str) -> str:
    "Make links to the site's own address relative."
    return html.replace(f'href="{site_url}', 'href="') if site_url else html

def prepare(nb, site_url:str, names:dict):
    "Apply cell options, drop empty cells and fix markdown/links in place, as Quarto would render the page."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'markdown':
            c.source = fix_markdown(c.source, site_url, names)
            if c.source.strip() and not c.source.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): cells.append(c)
            continue
        if c.cell_type != 'code': continue
        opts, c.source = cell_options(c.source)
        if opts.get('include') == 'false': continue
        if opts.get('output') == 'false': c.outputs = []
        c.outputs = [o for o in c.get("outputs", []) if o.get("output_type") == "stream" or o.get("data") or o.get("output_type") == "error"]
        for o in c.outputs:
            d = o.get('data', {})
            if 'text/markdown' in d: d['text/markdown'] = fix_markdown(d['text/markdown'], site_url, names)
            if 'text/html' in d: d['text/html'] = fix_html(d['text/html'], site_url)
        if opts.get('echo') == 'false' or not c.source.strip():
            c.metadata.setdefault('transient', {})['remove_source'] = True
            if not c.get('outputs'): continue
        cells.append(c)
    nb.cells = cells
    return nb

def _entries(contents):
    "Flatten sidebar contents into ('page', notebook) and ('section', title, children) items."
    out = []
    for e in contents or []:
        if isinstance(e, str): out.append(('page', e))
        elif isinstance(e, dict) and 'section' in e: out.append(('section', e['section'], _entries(e.get('contents'))))
        elif isinstance(e, dict) and 'href' in e: out.append(('page', e['href']))
    return out

def sidebar_pages(contents) -> list:
    "Every notebook the sidebar lists, in order."
    def walk(entries): return [x for e in entries for x in ([e[1]] if e[0] == 'page' else walk(e[2]))]
    return walk(_entries(contents))

def inline_html(text:str) -> str:
    "Escaped text with `code` spans, as Quarto renders a title's markdown."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', escape(text))

def sidebar_html(contents, pages:dict, current:str) -> str:
    "The sidebar as nested lists: link text = page title; a page without a rendered file is marked `missing`."
    def items(entries):
        h = []
        for e in entries:
            if e[0] == 'section':
                h.append(f'<li class="section"><span class="section-title">{escape(e[1])}</span><ul>{items(e[2])}</ul></li>')
                continue
            p = pages.get(Path(e[1]).name)
            href = p['file'] if p else default_name(e[1])
            cls = 'active' if href == current else ('missing' if not p else '')
            text = p['title'] if p else Path(e[1]).stem
            h.append(f'<li><a href="{escape(href)}"' + (f' class="{cls}"' if cls else '') + f'>{inline_html(text)}</a></li>')
        return ''.join(h)
    return f'<ul>{items(_entries(contents))}</ul>'

def _static(out:Path, nbs:Path):
    "The site's CSS and pictures: JupyterLab's notebook CSS (once, not inlined per page), the site layout, nbs/styles.css, nbs/images."
    import nbconvert
    lab = Path(nbconvert.__file__).parent
    cands = [Path(sys.prefix)/'share'/'jupyter'/'nbconvert'/'templates'/'lab'/'static', lab/'..'/'share'/'jupyter'/'nbconvert'/'templates'/'lab'/'static']
    static = next((c for c in cands if (c/'index.css').exists()), None)
    css = ''.join((static/f).read_text() for f in ('index.css', 'theme-light.css')) if static else ''
    (out/'lab.css').write_text(css)
    shutil.copy(TEMPLATE/'site.css', out/'site.css')
    if (nbs/'styles.css').exists(): shutil.copy(nbs/'styles.css', out/'styles.css')
    else: (out/'styles.css').write_text('')
    if (nbs/'images').is_dir(): shutil.copytree(nbs/'images', out/'images', dirs_exist_ok=True)

def render_site(proc:Path=ROOT/'_proc', out:Path=ROOT/'_docs', nbs:Path=NBS, since:float|None=None, quiet:bool=False) -> dict:
    "Render the processed notebooks in `proc` (of notebooks still in `nbs`; written after `since`, if given) into `out`."
    import nbformat
    from nbconvert import HTMLExporter
    cfg = site_config(nbs)
    proc, out = Path(proc), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _static(out, nbs)
    nbs_ = {}
    for f in sorted(proc.glob('*.ipynb')):
        if not (nbs/f.name).exists() or (since and f.stat().st_mtime < since): continue   # removed notebook / failed this run
        nb = nbformat.read(f, as_version=4)
        fm = front_matter(nb)
        nbs_[f.name] = (nb, fm)
    pages = {n: dict(file=fm.get('output-file') or default_name(n), title=str(fm.get('title') or Path(n).stem),
                     description=str(fm.get('description') or '')) for n, (nb, fm) in nbs_.items()}
    names = {n: p['file'] for n, p in pages.items()}
    ex = HTMLExporter(template_name=TEMPLATE.name, extra_template_basedirs=[str(TEMPLATE.parent)],
                      exclude_input_prompt=True, exclude_output_prompt=True, theme='light')
    for n, (nb, fm) in nbs_.items():
        p = pages[n]
        prepare(nb, cfg['site_url'], names)
        head = cfg['title'] if p['title'] == cfg['title'] else f"{p['title'].replace('`', '')} – {cfg['title']}"
        page = dict(p, head_title=head, title_html=inline_html(p['title']), site_title=cfg['title'], repo_url=cfg['repo_url'], root='',
                    sidebar_html=sidebar_html(cfg['sidebar'], pages, p['file']))
        html, _ = ex.from_notebook_node(nb, resources=dict(page=page))
        (out/p['file']).write_text(html, encoding='utf-8')
    for f in out.glob('*.html'):                                    # pages of an earlier render that failed now
        if f.name not in {p['file'] for p in pages.values()}: f.unlink()
    listed = sidebar_pages(cfg['sidebar'])
    missing = [n for n in listed if Path(n).name not in pages]
    stale = [n for n in listed if Path(n).name in pages and (nbs/n).exists()
             and (proc/Path(n).name).stat().st_mtime < (nbs/n).stat().st_mtime]
    if not quiet:
        for n in missing: print(f'FAIL docs page {n}: listed in sidebar.yml but has no processed page' + ('' if (nbs/n).exists() else ' (no such notebook)'))
        for n in stale: print(f'warn docs page {n}: processed copy is older than the notebook (run with --process)')
        print(f'{len(pages)} pages rendered into {out}' + (f'; {len(missing)} sidebar page(s) missing' if missing else ''))
    return dict(pages=pages, missing=missing, stale=stale, out=out)

def self_check():
    "The Quarto translations on small inputs (raises AssertionError); run by tools/browser_check.py before rendering."
    import nbformat
    site, names = 'https://x.github.io/p/', {'11_slides.eda.ipynb': 'slides.eda.html'}
    md = fix_markdown('[source](https://g/x.py#L3){target="_blank" style="float:right"} see [`f`](https://x.github.io/p/a.html#f), '
                      '[EDA](11_slides.eda.ipynb#plots), [web](https://e.org/y.ipynb)\n```python\ndef g(a:[`T`](https://x.github.io/p/t.html#t)):\n```', site, names)
    assert '<a class="source-link" href="https://g/x.py#L3" target="_blank">source</a>' in md, md
    assert '[`f`](a.html#f)' in md and '[EDA](slides.eda.html#plots)' in md and '(https://e.org/y.ipynb)' in md, md
    assert 'def g(a:T):' in md, md
    assert cell_options('#| echo: false\n#| hide\nx = 1') == ({'echo': 'false'}, 'x = 1')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('#| include: false\na'), nbformat.v4.new_code_cell('#| echo: false\nb'),
                                         nbformat.v4.new_code_cell('#| output: false\nc'), nbformat.v4.new_markdown_cell('<!-- WARNING: THIS FILE WAS AUTOGENERATED! -->')])
    nb.cells[1].outputs = [nbformat.v4.new_output('stream', text='B')]
    nb.cells[2].outputs = [nbformat.v4.new_output('stream', text='C')]
    cells = prepare(nb, site, names).cells
    assert [c.source for c in cells] == ['b', 'c'] and cells[0].metadata.transient['remove_source'] and not cells[1].outputs
    assert default_name('12_slides.tissue.ipynb') == 'slides.tissue.html' and default_name('index.ipynb') == 'index.html'
    side = [{'section': 'S', 'contents': ['a.ipynb', 'b.ipynb']}]
    h = sidebar_html(side, {'a.ipynb': dict(file='a.html', title='The `a` page')}, 'a.html')
    assert '<a href="a.html" class="active">The <code>a</code> page</a>' in h and 'class="missing">b</a>' in h, h
    assert sidebar_pages(side) == ['a.ipynb', 'b.ipynb']

def process(proc:Path=ROOT/'_proc') -> bool:
    "nbdev's docs processing of every notebook (`nbdev_proc_nbs`, via tools/proc_docs.py) into `_proc/`; False if any page failed."
    sys.path.insert(0, str(ROOT/'tools'))
    from proc_docs import check_docs, PROC
    if Path(proc).resolve() != PROC: raise SystemExit(f'nbdev_proc_nbs writes {PROC}; pass --proc {PROC.name} (or leave it out) with --process')
    return check_docs()

if __name__ == '__main__':
    a = sys.argv[1:]
    opt = lambda k, d: Path(a[a.index(k) + 1]) if k in a else d
    proc, out = opt('--proc', ROOT/'_proc'), opt('--out', ROOT/'_docs')
    t0 = time.time()
    ok = process(proc) if '--process' in a else True
    res = render_site(proc, out, since=t0 if '--process' in a else None)
    print(f'docs site: {out/"index.html"} ({time.time() - t0:.0f}s)')
    sys.exit(0 if ok and not res['missing'] else 1)
