# make run  : install into .venv, index corpus/, serve UI + API on http://127.0.0.1:8000
# make test : install test tools (and Debian's chromium), run the whole test suite
# make eval : article dev set, SQuAD articles the judge trained on / never saw (human-written unanswerable too), SQuAD-shifts, SelQA dev (rewritten vs original questions), judges side by side -> results/ (about 40 min per judge)
# make bench: eval plus the plain LangChain RAG baseline side by side
# make train-judge: fine-tune and calibrate the answer judge (about 45 min on 2 CPU cores)
# make bench-load: 8 then 32 concurrent clients against a real server (about 2 min)
# make bench-scale: qa at 1k, 10k and 100k chunks, embedded and Chroma server (int8 encoding; about 60 min)
# make chroma: a Chroma server on 127.0.0.1:8001 over .qa/chroma (then QA_CHROMA_HOST=127.0.0.1 make run)
# make test-llm: the LLM path with a real local model (llama.cpp + the packaged Qwen2.5-Coder-1.5B GGUF): its tests, dev and chat dev figures (about 25 min the first time)
# make bench-crash: 20 SIGKILLs of qa index during SQuAD-48 ingest, then a consistency check (about 10 min)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QA := $(VENV)/bin/qa
SHARED ?= ../shared
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1

.PHONY: test-llm chat-eval fit-shapes bench-scale chroma run install index serve test test-install chromium lint eval bench bench-load bench-crash train-judge train-judge-v8 judge-candidate constraints clean

PIP := $(PY) -m pip install -q --disable-pip-version-check -c constraints.txt

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	# the CPU wheel; a bare "torch" would pull gigabytes of CUDA
	$(PIP) torch==2.13.0
	$(PIP) -e .
	touch $@

install: $(VENV)/.installed

# the shared-index path: a Chroma server, on loopback only (servers <= 1.5.9 allow remote code)
CHROMA_PORT ?= 8001
chroma: install
	$(VENV)/bin/chroma run --host 127.0.0.1 --port $(CHROMA_PORT) --path .qa/chroma

index: install
	$(QA) index

serve: install
	$(QA) serve

# one process: index what changed, then serve
run: install
	$(QA) serve --refresh

$(VENV)/.test-installed: $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

test-install: $(VENV)/.test-installed chromium

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# pytest exits 5 when it ran no test: that is a failure here.
test: test-install
	$(PY) -m ruff check qa ui tests bench
	$(PY) -m mypy qa ui bench
	$(PY) -m bandit -q -r qa ui -ll
	$(PY) -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no test ran" >&2; exit 1; fi; exit $$rc

# outside CI's budget: builds llama-cpp-python once (its wheel kept under .qa/llm/), joins the packaged
# GGUF once, serves it on loopback, runs tests/llm and the dev and chat dev sets through qa, stops it
test-llm: test-install $(VENV)/.bench-installed
	$(PY) -m bench.local_llm --shared $(SHARED)

lint: test-install
	$(PY) -m ruff check qa ui tests bench
	$(PY) -m mypy qa ui bench
	$(PY) -m bandit -q -r qa ui -ll

results/squad48/qa.jsonl:
	$(PY) $(SHARED)/eval/squad_to_corpus.py results/squad48 $(SHARED)/data/squad-v1.1/*.json --questions 500 --seed 13

# the judges make eval compares: the shipped one first, then earlier ones from git history
EVAL_JUDGES ?= --judge v7=qa/models/judge --judge v6=git:2453b03

eval: $(VENV)/.bench-installed results/squad48/qa.jsonl
	$(PY) -m bench.run_eval --shared $(SHARED) $(EVAL_JUDGES)
	$(PY) -m bench.selqa --shared $(SHARED) $(EVAL_JUDGES)
	$(PY) -m bench.chat_eval --shared $(SHARED)

# chat-style questions (our held-out set over CNN stories, the article's chat dev set) and ROUGE of
# 150 CNN summaries beside Lead-3 -> results/chat.json (about 10 min)
chat-eval: $(VENV)/.bench-installed
	$(PY) -m bench.chat_eval --shared $(SHARED)

# the composed shapes' thresholds, fitted on our own chat-style set (never the held-out one) and SQuAD val's
# unanswerable questions -> the judge's card
fit-shapes: $(VENV)/.bench-installed
	$(PY) -m bench.fit_shapes --chat bench/data/chat-fit.jsonl --news $(SHARED)/data/news/cnn-dev.jsonl \
	  --squad $(SHARED)/data/squad-v1.1 --write

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed results/squad48/qa.jsonl
	$(PY) -m bench.run_eval --shared $(SHARED) --baseline

bench-load: $(VENV)/.bench-installed
	$(PY) -m bench.load --data $(SHARED)/data/squad-v1.1

# qa at 1k and 10k chunks: ingest, disk, RSS, start-up, retrieve/ask latency (about 10 min)
bench-scale: install $(VENV)/.bench-installed
	QA_EMBEDDING_BACKEND=onnx-int8 $(PY) -m bench.scale --data $(SHARED)/data/squad-v1.1 --sizes 1000,10000,100000

bench-crash: install results/squad48/qa.jsonl
	$(PY) -m bench.crash

# seeded; trains on the "train" SQuAD articles, calibrates on "val" (bench/squad.py), never on "test"
train-judge: $(VENV)/.bench-installed
	$(PY) -m bench.train_judge --data $(SHARED)/data/squad-v1.1
	$(PY) -m bench.calibrate_judge --data $(SHARED)/data/squad-v1.1 --write

# judge v8 (model card): starts or resumes the one-epoch run over SQuAD v1.0 train and the rest from
# its checkpoint in .qa/train/ (or, on a fresh machine, from the committed candidate's step); hours
# on 2 cores, so run it in the background: nohup make train-judge-v8 > .qa/train/v8.log 2>&1 &
V8_ARGS = --data $(SHARED)/data/squad-v1.1 --squad-train $(SHARED)/data/squad-v1.0-train \
  --squad2 $(SHARED)/data/squad-v2.0/dev-v2.0.json --shifts $(SHARED)/data/squadshifts --shift-questions 0 \
  --human-repeats 6 --simulated --human-weight 3 --max-questions 300 --lr 3e-5 --batch 32 --epochs 1
train-judge-v8: $(VENV)/.bench-installed
	mkdir -p .qa/train
	HF_HUB_OFFLINE=1 nice -n 10 $(PY) -m bench.train_judge $(V8_ARGS) --init qa/models/judge-candidate \
	  --out qa/models/judge-candidate --minutes 1400

# the v8 candidate as it would ship: a copy calibrated on val with bfloat16 (what it trained under),
# then make eval with v8, v7 and v6 side by side (results/judges/, results/selqa.json)
CANDIDATE = .qa/judges/v8-candidate
judge-candidate: $(VENV)/.bench-installed results/squad48/qa.jsonl
	rm -rf $(CANDIDATE) && mkdir -p $(CANDIDATE) && cp qa/models/judge-candidate/judge.* $(CANDIDATE)/
	QA_JUDGE_DIR=$(CANDIDATE) QA_JUDGE_BACKEND=torch-bf16 $(PY) -m bench.calibrate_judge \
	  --data $(SHARED)/data/squad-v1.1 --questions $(CANDIDATE)/questions.json --write
	$(MAKE) eval EVAL_JUDGES="--judge v8=$(CANDIDATE) --judge v7=qa/models/judge --judge v6=git:2453b03"

# after changing dependencies: pin what the test and bench extras resolve to
constraints: $(VENV)/.test-installed $(VENV)/.bench-installed
	{ head -2 constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '@ file'; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf .qa results/squad48 results/squad-train results/squad-heldout
