"""The judge's network: a BERT encoder with a sentence head and an answer-span head, and the span
scoring both training and the runtimes read. No I/O here: loading, calibration and the runtimes
live in ``judge.py`` and ``judge_runtime.py``."""

from __future__ import annotations

from typing import Any

import torch

MAX_SPAN = 30  # word pieces of the longest answer span
UNREAD = -30.0  # the logit (and span score) of a sentence that did not fit in the input


def span_band(tokens: int) -> torch.Tensor:
    """tokens x tokens: True where (start, end) is a span, end not before start and at most
    ``MAX_SPAN`` word pieces long."""
    offset = torch.arange(tokens).view(1, -1) - torch.arange(tokens).view(-1, 1)
    return (offset >= 0) & (offset < MAX_SPAN)


def span_scores(start: torch.Tensor, end: torch.Tensor, sentence_mask: torch.Tensor) -> torch.Tensor:
    """Per sentence, the best answer span inside it (start logit of its first word piece plus
    end logit of its last, at most ``MAX_SPAN`` apart) minus the no-answer score at [CLS].

    Args:
        start, end: batch x tokens logits.
        sentence_mask: batch x sentences x tokens (1 where the token belongs to the sentence).

    Returns:
        batch x sentences (``UNREAD`` for a sentence absent from its input).
    """
    tokens = start.shape[1]
    pair = start.unsqueeze(2) + end.unsqueeze(1)  # batch x start x end
    band = span_band(tokens)
    owner = torch.argmax(sentence_mask, dim=1) + 1  # batch x tokens: 1-based sentence, for members
    owner = torch.where(sentence_mask.sum(1) > 0, owner, torch.zeros_like(owner))
    same = (owner.unsqueeze(2) == owner.unsqueeze(1)) & (owner.unsqueeze(2) > 0) & band
    best_from = pair.masked_fill(~same, float("-inf")).amax(-1)  # batch x tokens: best span starting here
    per_sentence = (sentence_mask > 0) & torch.isfinite(best_from).unsqueeze(1)
    best = best_from.unsqueeze(1).expand_as(sentence_mask).masked_fill(~per_sentence, float("-inf")).amax(-1)
    null = (start[:, 0] + end[:, 0]).unsqueeze(1)
    return torch.where(torch.isfinite(best), best - null, torch.full_like(best, UNREAD))


class SentenceJudge(torch.nn.Module):
    """A BERT encoder, a linear head over each sentence's mean-pooled word pieces, and a
    start/end head over every word piece ([CLS]: no answer)."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)
        self.span = torch.nn.Linear(encoder.config.hidden_size, 2)

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        sentence_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sentence logits (batch x sentences; sentences absent from an input get one too: mask
        them), start and end logits (batch x tokens; padding at -10^4)."""
        hidden = self.encoder(
            input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask
        ).last_hidden_state
        counts = sentence_mask.sum(-1, keepdim=True).clamp(min=1.0)
        pooled = torch.bmm(sentence_mask, hidden) / counts
        start, end = self.span(hidden).unbind(-1)
        padding = attention_mask == 0
        start, end = start.masked_fill(padding, -1e4), end.masked_fill(padding, -1e4)
        return self.head(self.dropout(pooled)).squeeze(-1), start, end
