"""Write README.md from nbs/index.ipynb (markdown cells as is, code cells as fenced python).

`nbdev_readme` needs the Quarto binary, which is not installable offline; this does the same job
for a notebook of markdown and short code cells, deterministically, so `make test` can check it."""
import json, sys
from pathlib import Path

def render(nb_path='nbs/index.ipynb'):
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    out = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip()
        if not src or src.startswith('#| hide') or '#| hide' in src.splitlines()[:3]: continue
        if c['cell_type'] == 'markdown': out.append(src.replace('](images/', '](nbs/images/'))  # README sits one level up
        elif c['cell_type'] == 'code':
            lines = [l for l in src.splitlines() if not l.startswith('#|')]
            out.append('```python\n' + '\n'.join(lines) + '\n```')
    return '\n\n'.join(out) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    text = render(root/'nbs'/'index.ipynb')
    readme = root/'README.md'
    if '--check' in sys.argv:
        sys.exit(0 if readme.exists() and readme.read_text(encoding='utf-8') == text else 1)
    readme.write_text(text, encoding='utf-8')
