"""The page's look and its one script: CSS, the citation-click handler, the theme."""

import gradio as gr

CSS = """
#qa-sources { max-height: 70vh; overflow-y: auto !important; }
#qa-sources .qa-cite { display: block; width: 100%; text-align: left; margin: 0 0 .5rem 0;
  padding: .5rem; border: 1px solid var(--border-color-primary); border-radius: 6px;
  background: var(--background-fill-secondary); cursor: pointer; font: inherit; color: inherit; }
#qa-sources .qa-cite:focus { outline: 2px solid var(--color-accent); }
#qa-sources .qa-meta { font-size: .85em; opacity: .8; }
#qa-sources .qa-doc { white-space: pre-wrap; line-height: 1.5; border-top: 1px solid
  var(--border-color-primary); margin-top: .75rem; padding-top: .5rem; }
#qa-sources mark { background: #ffe58a; color: #111; padding: 0 .1em; }
#qa-sources mark.qa-focus { outline: 3px solid #e0a800; }
#qa-sources .qa-phrase { font-weight: 700; text-decoration: underline; }
#qa-sources .qa-abstain { border-left: 4px solid #d97706; padding-left: .5rem; }
#qa-sources-toggle { display: none; }
/* a phone: the sources are a drawer at the bottom, next to the answer, opened by its button
   or by a citation marker */
@media (max-width: 720px) {
  #qa-chat { height: 50vh !important; }
  #qa-sources-col { position: fixed !important; left: 0; right: 0; bottom: 0; z-index: 50; margin: 0 !important;
    max-height: 3.4rem; overflow: hidden; padding: .3rem .6rem !important; background: var(--background-fill-primary);
    border-top: 1px solid var(--border-color-primary); box-shadow: 0 -4px 12px rgba(0, 0, 0, .2); }
  #qa-sources-col.qa-open { max-height: 78vh; }
  #qa-sources-col.qa-open #qa-sources { max-height: calc(78vh - 4rem); }
  #qa-sources-toggle { display: block; }
  #qa-sources-heading { display: none; }
  .gradio-container { padding-bottom: 4.5rem !important; }
}
"""

# Clicking a citation (its card in the sources panel, or its [n] marker in the answer) marks
# its highlighted span and scrolls the sources panel to it; the page itself scrolls only where
# the panel does not scroll on its own (narrow windows). No inline handlers: document text is
# escaped, and this delegated listener is the only script the page adds.
CITE_JS = """
() => {
  const drawer = (open) => {
    const column = document.querySelector('#qa-sources-col');
    const toggle = document.querySelector('#qa-sources-toggle');
    if (!column || !toggle) return;
    column.classList.toggle('qa-open', open);
    toggle.setAttribute('aria-expanded', String(column.classList.contains('qa-open')));
  };
  document.addEventListener('click', (event) => {
    if (event.target.closest('#qa-sources-toggle')) {
      drawer(!document.querySelector('#qa-sources-col').classList.contains('qa-open'));
      return;
    }
    const trigger = event.target.closest('#qa-sources [data-cite], #qa-chat a[href^="#qa-cite-"]');
    if (!trigger) return;
    event.preventDefault();
    const id = trigger.dataset.cite || trigger.getAttribute('href').slice(1);
    const panel = document.querySelector('#qa-sources');
    const mark = panel && panel.querySelector('#' + CSS.escape(id));
    if (!mark) return;
    if (window.matchMedia('(max-width: 720px)').matches) drawer(true);
    panel.querySelectorAll('mark.qa-focus').forEach((m) => m.classList.remove('qa-focus'));
    mark.classList.add('qa-focus');
    if (panel.scrollHeight > panel.clientHeight + 1) {
      const offset = mark.getBoundingClientRect().top - panel.getBoundingClientRect().top;
      panel.scrollBy({top: offset - panel.clientHeight / 3, behavior: 'smooth'});
    } else {
      mark.scrollIntoView({block: 'center', behavior: 'smooth'});
    }
  });
}
"""

THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
