// results.js — the results list: one table row per image, sortable by
// column (aria-sort), keyboard navigation with a roving tabindex (arrow
// keys, Home/End, Enter/Space to open), flagging by threshold, and the
// CSV/JSON exports.
import { fmtScore } from "./util.js";

// shortError keeps the gist of an engine error for the list (the viewer
// and the exports have it in full): `imageio: "x.png": corrupt or
// truncated image: PNG: …` → `corrupt or truncated image`.
export function shortError(e) {
	let s = String(e || "");
	const m = /^[\w.]+: "[^"]*": (.*)$/s.exec(s);
	if (m) s = m[1];
	const cut = s.search(/: /);
	if (cut > 8) s = s.slice(0, cut);
	return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

const STATUS = { waiting: "waiting for the model", queued: "queued", running: "analysing…", done: "done", failed: "failed", cancelled: "cancelled" };

export class Results {
	constructor({ tbody, table, score, flagged, onSelect, onRefresh }) {
		this.tbody = tbody;
		this.table = table;
		this.score = score;
		this.flagged = flagged;
		this.onSelect = onSelect;
		this.onRefresh = onRefresh;
		this.rows = new Map(); // job → tr
		this.jobs = [];
		this.sortKey = "order";
		this.sortDir = 1;
		this.selected = null;
		for (const b of table.querySelectorAll("th button[data-sort]")) {
			b.addEventListener("click", () => this.sortBy(b.dataset.sort));
		}
		tbody.addEventListener("keydown", (e) => this.onKey(e));
	}

	add(job) {
		const tr = document.createElement("tr");
		tr.tabIndex = this.jobs.length === 0 ? 0 : -1;
		tr.dataset.id = String(job.id);
		const thumb = document.createElement("td");
		thumb.className = "thumb";
		const name = document.createElement("td");
		name.className = "name";
		const score = document.createElement("td");
		score.className = "score num";
		const prob = document.createElement("td");
		prob.className = "prob num";
		const status = document.createElement("td");
		status.className = "status";
		tr.append(thumb, name, score, prob, status);
		tr.addEventListener("click", () => this.onSelect(job, true));
		this.rows.set(job, tr);
		this.jobs.push(job);
		this.tbody.append(tr);
		this.update(job);
		this.applySort();
	}

	clear() {
		this.rows.clear();
		this.jobs = [];
		this.selected = null;
		this.tbody.replaceChildren();
		this.onRefresh?.();
	}

	setThumb(job, canvas) {
		const tr = this.rows.get(job);
		if (!tr) return;
		canvas.setAttribute("aria-hidden", "true");
		tr.cells[0].replaceChildren(canvas);
	}

	update(job) {
		const tr = this.rows.get(job);
		if (!tr) return;
		const [, name, score, prob, status] = tr.cells;
		name.textContent = job.name;
		name.title = job.name;
		const s = this.score(job);
		score.textContent = job.state === "done" ? (s === undefined ? "…" : fmtScore(s)) : "";
		prob.textContent = job.state === "done" ? job.result.probAbnormal.toPrecision(3) : "";
		const flagged = job.state === "done" && this.flagged(job);
		tr.classList.toggle("flagged", flagged);
		tr.classList.toggle("failed", job.state === "failed");
		tr.dataset.state = job.state;
		status.replaceChildren();
		if (flagged) {
			const b = document.createElement("span");
			b.className = "badge";
			b.textContent = "flagged";
			status.append(b, " ");
		}
		status.append(job.state === "failed" ? `failed: ${shortError(job.error)}` : STATUS[job.state] || job.state);
		status.title = job.state === "failed" ? job.error : "";
		if (job.state === "failed") tr.cells[0].replaceChildren();
		if (this.sortKey !== "order") this.scheduleSort();
		this.onRefresh?.();
	}

	refreshAll() {
		for (const j of this.jobs) this.update(j);
		this.applySort();
	}

	setSelected(job, focus) {
		if (this.selected) this.rows.get(this.selected)?.setAttribute("aria-selected", "false");
		this.selected = job;
		const tr = this.rows.get(job);
		if (!tr) return;
		tr.setAttribute("aria-selected", "true");
		this.rove(tr, focus);
	}

	rove(tr, focus) {
		for (const r of this.tbody.rows) r.tabIndex = -1;
		tr.tabIndex = 0;
		if (focus) tr.focus();
	}

	onKey(e) {
		const tr = e.target.closest("tr");
		if (!tr) return;
		const rows = [...this.tbody.rows];
		const i = rows.indexOf(tr);
		let next = null;
		switch (e.key) {
			case "ArrowDown":
				next = rows[Math.min(rows.length - 1, i + 1)];
				break;
			case "ArrowUp":
				next = rows[Math.max(0, i - 1)];
				break;
			case "Home":
				next = rows[0];
				break;
			case "End":
				next = rows[rows.length - 1];
				break;
			case "Enter":
			case " ": {
				e.preventDefault();
				const job = this.jobs.find((j) => String(j.id) === tr.dataset.id);
				if (job) this.onSelect(job, true);
				return;
			}
			default:
				return;
		}
		e.preventDefault();
		if (next) this.rove(next, true);
	}

	sortBy(key) {
		if (this.sortKey === key) this.sortDir = -this.sortDir;
		else {
			this.sortKey = key;
			this.sortDir = key === "score" || key === "prob" ? -1 : 1; // highest first
		}
		for (const th of this.table.querySelectorAll("th[aria-sort]")) {
			const k = th.querySelector("button")?.dataset.sort;
			th.setAttribute("aria-sort", k === key ? (this.sortDir > 0 ? "ascending" : "descending") : "none");
		}
		this.applySort();
	}

	scheduleSort() {
		if (this.sortPending) return;
		this.sortPending = true;
		requestAnimationFrame(() => {
			this.sortPending = false;
			this.applySort();
		});
	}

	applySort() {
		const key = this.sortKey;
		const dir = this.sortDir;
		const val = (j) => {
			switch (key) {
				case "name":
					return j.name.toLowerCase();
				case "score":
					return this.score(j);
				case "prob":
					return j.state === "done" ? j.result.probAbnormal : undefined;
				case "status":
					return j.state === "done" ? (this.flagged(j) ? 0 : 1) : j.state === "failed" ? 2 : 3;
				default:
					return j.id;
			}
		};
		const sorted = [...this.jobs].sort((a, b) => {
			const x = val(a);
			const y = val(b);
			if (x === y) return a.id - b.id;
			if (x === undefined) return 1; // unscored last either way
			if (y === undefined) return -1;
			return (x < y ? -1 : 1) * dir;
		});
		let prev = null;
		for (const j of sorted) {
			const tr = this.rows.get(j);
			if ((prev ? prev.nextSibling : this.tbody.firstChild) !== tr) this.tbody.insertBefore(tr, prev ? prev.nextSibling : this.tbody.firstChild);
			prev = tr;
		}
	}

	// records: one plain object per image, the same for CSV and JSON.
	records(meta) {
		return this.jobs.map((j) => {
			const r = j.result || {};
			const s = this.score(j);
			return {
				file: j.name,
				frame: j.frame ?? null,
				window: j.window ? `${j.window.center}/${j.window.width} ${j.window.source}` : null,
				category: j.category,
				status: j.state,
				width: r.width ?? null,
				height: r.height ?? null,
				prob_abnormal: r.probAbnormal ?? null,
				map_max: r.mapMax ?? null,
				score_single: r.score ?? null,
				score_batch: j.batchScore ?? null,
				batch_size: j.batchOf ?? null,
				score_mode: meta.scoreMode,
				score: s ?? null,
				threshold: meta.threshold,
				flagged: j.state === "done" ? this.flagged(j) : null,
				sigma: r.sigma ?? null,
				ms: r.ms ?? null,
				decoded_by: r.decodedBy ?? null,
				model_id: r.modelId ?? meta.modelId ?? null,
				error: j.error ?? null,
			};
		});
	}

	csv(meta) {
		const recs = this.records(meta);
		const cols = ["file", "frame", "window", "category", "status", "width", "height", "prob_abnormal", "map_max", "score_single", "score_batch", "batch_size", "score_mode", "score", "threshold", "flagged", "sigma", "ms", "decoded_by", "model_id", "error"];
		const cell = (v) => {
			if (v === null || v === undefined) return "";
			let s = typeof v === "number" ? String(v) : String(v);
			if (/^[=+\-@\t\r]/.test(s) && typeof v !== "number") s = "'" + s; // no formula injection in spreadsheets
			return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
		};
		return [cols.join(","), ...recs.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\r\n") + "\r\n";
	}

	json(meta) {
		return {
			format: "clipad.results",
			version: 1,
			created: new Date().toISOString(),
			model_id: meta.modelId ?? null,
			model_synthetic: meta.synthetic,
			score_mode: meta.scoreMode,
			threshold: meta.threshold,
			images: this.records(meta),
		};
	}
}
