"""Script payloads for the browser tests: a document holding two, and a gallery of 32 (each in
a document sentence and, in the tests, in a question)."""

XSS_DOC = (
    "The Zorblax gadget was unveiled by Quentin Marsh in Lisbon. "
    "<img src=x onerror=\"window.__xss='img';alert('xss-img')\"> "
    "<script>window.__xss='script';alert('xss-script')</script>\n"
)


# Thirty-two ways script gets into a page, each in a document sentence and in a question.
XSS_PAYLOADS = [
    '<script>window.__xss=1</script>',
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3">',
    '<body onload="window.__xss=4">',
    '<iframe src="javascript:window.__xss=5"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
    '<a href="javascript:window.__xss=7">go</a>',
    '[go](javascript:window.__xss=8)',
    '![x](x" onerror="window.__xss=9)',
    '<details open ontoggle="window.__xss=10">',
    '<input autofocus onfocus="window.__xss=11">',
    '<video><source onerror="window.__xss=12"></video>',
    '<audio src=x onerror="window.__xss=13">',
    '<object data="javascript:window.__xss=14"></object>',
    '<embed src="javascript:window.__xss=15">',
    '<math><mtext><script>window.__xss=16</script></mtext></math>',
    '"><script>window.__xss=17</script>',
    "'><img src=x onerror=window.__xss=18>",
    '<style onload="window.__xss=19">',
    '<marquee onstart="window.__xss=20">',
    '<div style="background:url(javascript:window.__xss=21)">',
    '<form action="javascript:window.__xss=22"><button>go</button></form>',
    '<base href="javascript:window.__xss=24//">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=26">',
    '$$\\href{javascript:window.__xss=27}{x}$$',
    '<select autofocus onfocus="window.__xss=28">',
    '<textarea autofocus onfocus="window.__xss=29">',
    '`<img src=x onerror=window.__xss=31>`',
    '<scr<script>ipt>window.__xss=32</script>',
    '<svg><animate onbegin="window.__xss=33" attributeName=x>',
    '<img src=x onerror="alert(\'xss\')">',
    '<a href="data:text/html,<script>alert(1)</script>">go</a>',
]
XSS_GALLERY = "".join(f"Exhibit {i} of the Wobbleton museum is labelled {p} in the catalogue.\n"
                      for i, p in enumerate(XSS_PAYLOADS, start=1))
