"""Regenerate the small static pictures in nbs/images/ (shown in the README and the phantom notebooks).

    .venv/bin/python tools/figures.py

They come from the phantom generators with fixed seeds, so the same command gives the same picture."""
import tempfile
from pathlib import Path
import numpy as np, cv2
from clotlib.phantoms.slides import make_phantom_slides
from clotlib.phantoms.ct import make_phantom_ct
from clotlib.reference import ICH_SUBTYPES
from clotlib.slides.io import Slide
from clotlib.ct.windowing import slice_rgb

def phantoms_picture(dest:Path, h:int=220):
    "A phantom slide thumbnail beside two phantom CT slices (brain/subdural/bone windows) with hemorrhages."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t = make_phantom_slides(d/'s', n=6, seed=5, size=1600, workers=0, progress=False)
        ct = make_phantom_ct(d/'c', studies=4, seed=1, slices=16, workers=0, progress=False)
        row = t.sort_values('n_duplicates', ascending=False).iloc[0]     # a slide with duplicated fragments
        with Slide(d/'s'/'train'/f'{row.image_id}.tif') as s: th = s.thumbnail(300)
        pos = ct[(ct['any'] == 1) & (ct.quirk == '')]
        pos = pos.assign(n=pos[list(ICH_SUBTYPES)].sum(axis=1)).sort_values('n', ascending=False)   # most subtypes first
        ims = [slice_rgb(d/'c'/'stage_2_train'/f'{i}.dcm', size=h) for i in pos.ID[:2]]
    th = cv2.resize(th, (round(th.shape[1]*h/th.shape[0]), h), interpolation=cv2.INTER_AREA)
    pad = np.full((h, 6, 3), 255, np.uint8)
    img = np.hstack([th, pad, ims[0], pad, ims[1]])
    cv2.imwrite(str(dest), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return dest

if __name__ == '__main__':
    print(phantoms_picture(Path(__file__).resolve().parent.parent/'nbs'/'images'/'phantoms.jpg'))
