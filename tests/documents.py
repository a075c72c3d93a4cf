"""Test documents in each format qa reads, built here (no binary fixtures)."""

from __future__ import annotations

import io
import random
import warnings


def make_pdf(pages: list[str], title: str = "") -> bytes:
    """A minimal valid PDF: one line of Helvetica text per page (pypdf extracts it)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 11 Tf 40 750 Td ({escaped}) Tj ET".encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 3 0 R >> >> >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info = len(objects) + 1
    objects.append(f"<< /Title ({title}) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


HTML = """<!doctype html><html><head><title>Zorblax launch | Gadget News</title>
<meta name="author" content="Ada Lovelace"></head>
<body><nav><a href="/">Home</a> | <a href="/tech">Tech</a> | Subscribe now</nav>
<article><h1>Zorblax launch</h1>
<p>The Zorblax gadget was unveiled by Quentin Marsh in Lisbon on Tuesday, before an audience of
three hundred engineers.</p>
<p>It weighs 140 grams and its battery lasts nine days, Marsh told the audience at the launch.</p>
</article>
<footer>Copyright 2026 Gadget News. All rights reserved. Cookie settings.</footer></body></html>
"""


PDF_TOKENS = [b"/Kids", b"/Pages", b"/Contents", b"/Resources", b"/Font", b"/Parent", b"/Count", b"/Length",
              b"/Root", b"/Type", b"0 R", b"[", b"]", b"<<", b">>", b"obj", b"stream", b"(", b")", b"/MediaBox"]
HTML_TOKENS = [b"<", b">", b"</", b"<p>", b"</article>", b"<script>", b"<!--", b"&#", b"&", b"\"", b"<table>",
               b"<svg><svg>", b"\x00", b"\xff", b"<html>"]


def mutations(base: bytes, tokens: list[bytes], n: int, seed: int) -> list[bytes]:
    """``n`` copies of ``base``, each with up to four random byte, token, cut or swap edits."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        raw = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            op, pos = rng.random(), rng.randrange(len(raw))
            if op < 0.3:
                raw[pos] = rng.randrange(256)
            elif op < 0.6:
                raw[pos:pos] = rng.choice(tokens)
            elif op < 0.8:
                del raw[pos : pos + rng.randint(1, 8)]
            else:
                token = rng.choice(tokens)
                at = raw.find(token)
                if at >= 0:
                    raw[at : at + len(token)] = rng.choice(tokens)
        out.append(bytes(raw))
    return out


def crashing_pdf() -> bytes:
    """A mutated PDF on which pypdf raises something other than its own PyPdfError (before
    qa caught every parser error, it was a 500 on upload and made `qa index` exit 1)."""
    base = make_pdf(["The Zorblax gadget was unveiled in Lisbon.", "It weighs 140 grams."], title="Zorblax")
    return next(raw for raw in mutations(base, PDF_TOKENS, 400, seed=7) if crashes_pypdf(raw))


def crashes_pypdf(raw: bytes) -> bool:
    """Whether pypdf, reading every page's text, raises something other than its PyPdfError."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(raw))
            [page.extract_text() for page in reader.pages]
    except PyPdfError:
        return False
    except Exception:  # noqa: BLE001 - the kind of failure wanted
        return True
    return False
