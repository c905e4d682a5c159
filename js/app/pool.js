// pool.js — the Web Worker pool and its job queue.
//
// One Go instance per worker (no SharedArrayBuffer, so no COOP/COEP
// needed). The pool is sized to the device (poolSize), jobs run first in,
// first out, cancel() drops queued jobs and stops running ones (their
// workers are terminated and replaced), and a worker that crashes (the Go
// runtime exits, e.g. out of memory, or the worker itself fails) is
// reported, replaced, and its job is marked failed while the batch goes on.

const MiB = 1 << 20;

// poolSize picks how many workers to run: one per core, leaving one for
// the page on machines with 4+ cores, and no more than half the device
// memory (navigator.deviceMemory, Chromium; 4 GB assumed elsewhere)
// divided by what one instance needs: 2 × the bundle + 64 MiB (measured:
// a ViT-B-16-plus-240 int8 bundle of 115 MiB gives a Go instance of
// 235 MiB after loading and analysing; the rest is headroom for large
// images).
export function poolSize(bundleBytes, override) {
	const hc = navigator.hardwareConcurrency || 2;
	const cpu = Math.max(1, hc >= 4 ? hc - 1 : hc);
	const devGB = navigator.deviceMemory || 4;
	const perWorker = 2 * bundleBytes + 64 * MiB;
	const mem = Math.max(1, Math.floor((devGB * 1024 * MiB * 0.5) / perWorker));
	const auto = Math.min(cpu, mem, 16);
	const n = Number.parseInt(override, 10);
	return {
		size: Number.isFinite(n) && n >= 1 ? Math.min(n, 16) : auto,
		auto,
		reason: `${hc} logical cores, ${navigator.deviceMemory ? devGB + " GB" : "unknown (assumed 4 GB)"} device memory, ≈${Math.round(perWorker / MiB)} MB per worker`,
	};
}

let nextWorkerId = 1;

export class Pool {
	// init: the "init" message for new workers (minus nothing: it is posted
	// as is, with the compiled module inside); size: workers to run.
	// hooks: onReady(worker), onInitError(msg), onResult(job, msg),
	// onCrash(workerInfo, job, reason), onIdle(), onChange(),
	// onDicomInfo(job, msg), onDicomFrame(job, msg) (a DICOM job — one with
	// job.dicom = {frames, window} — reports its file, then each frame, then
	// its "result").
	constructor({ workerUrl, init, size, hooks }) {
		this.workerUrl = workerUrl;
		this.init = init;
		this.size = size;
		this.hooks = hooks;
		this.workers = [];
		this.queue = [];
		this.pending = new Map(); // batch request id → {resolve, reject}
		this.crashes = 0;
		this.replaced = 0;
		this.injectCrashes = 0;
		this.stopped = false;
		this.initFailures = 0;
		this.jet = null;
		for (let i = 0; i < size; i++) this.spawn();
	}

	spawn() {
		const w = { id: nextWorkerId++, state: "starting", job: null, worker: new Worker(this.workerUrl, { name: "clipad-core" }) };
		w.worker.onmessage = (e) => this.onMessage(w, e.data);
		w.worker.onerror = (e) => {
			e.preventDefault();
			this.onCrash(w, `the worker failed: ${e.message || "script error"}`);
		};
		w.worker.onmessageerror = () => this.onCrash(w, "the worker sent a message that could not be read");
		w.worker.postMessage(this.init);
		this.workers.push(w);
		this.hooks.onChange?.();
		return w;
	}

	get ready() {
		return this.workers.filter((w) => w.state === "idle" || w.state === "busy").length;
	}

	get running() {
		return this.workers.filter((w) => w.state === "busy").length;
	}

	onMessage(w, m) {
		switch (m.type) {
			case "ready":
				w.state = "idle";
				w.simd = m.simd;
				w.relaxed = m.relaxed; // int8 products on relaxed SIMD's 8-bit dot product
				w.version = m.version;
				this.jet = this.jet || m.jet;
				this.initFailures = 0;
				this.hooks.onReady?.(w, m);
				this.dispatch();
				break;
			case "init-error":
				this.retire(w);
				this.initFailures++;
				this.hooks.onInitError?.(m, w);
				break;
			case "result": {
				const job = w.job;
				w.job = null;
				w.state = "idle";
				if (job && job.id === m.id && job.state === "running") this.hooks.onResult(job, m);
				this.dispatch();
				break;
			}
			case "dicom-info":
			case "dicom-frame": {
				const job = w.job;
				if (job && job.id === m.id && job.state === "running") (m.type === "dicom-info" ? this.hooks.onDicomInfo : this.hooks.onDicomFrame)?.(job, m);
				break;
			}
			case "batch": {
				const p = this.pending.get(m.id);
				this.pending.delete(m.id);
				w.job = null;
				w.state = "idle";
				if (p) m.error ? p.reject(new Error(m.error)) : p.resolve(m.scores);
				this.dispatch();
				break;
			}
			case "crashed":
				this.onCrash(w, m.reason);
				break;
		}
	}

	retire(w) {
		w.state = "dead";
		w.worker.terminate();
		this.workers = this.workers.filter((x) => x !== w);
		this.hooks.onChange?.();
	}

	onCrash(w, reason) {
		if (w.state === "dead") return;
		const wasStarting = w.state === "starting";
		const job = w.job;
		this.retire(w);
		if (this.stopped) return;
		if (wasStarting) {
			this.initFailures++;
			this.hooks.onInitError?.({ kind: "core", message: reason }, w);
			return;
		}
		this.crashes++;
		if (job && job.batchId !== undefined) {
			const p = this.pending.get(job.batchId);
			this.pending.delete(job.batchId);
			p?.reject(new Error(`worker crashed: ${reason}`));
		}
		this.hooks.onCrash?.(w, job && job.batchId === undefined ? job : null, reason);
		// replace it; the batch goes on
		this.replaced++;
		this.spawn();
		this.dispatch();
	}

	enqueue(job) {
		job.state = "queued";
		this.queue.push(job);
		this.dispatch();
	}

	// cancel drops every queued job and stops the running ones (their
	// workers are replaced). Returns the cancelled jobs.
	cancel() {
		const dropped = this.queue.splice(0, this.queue.length);
		for (const j of dropped) j.state = "cancelled";
		for (const w of [...this.workers]) {
			if (w.state === "busy" && w.job && w.job.batchId === undefined) {
				const j = w.job;
				j.state = "cancelled";
				dropped.push(j);
				this.retire(w);
				this.spawn();
			}
		}
		this.hooks.onChange?.();
		return dropped;
	}

	batchScores(s0, s1) {
		const batchId = `b${Math.random().toString(36).slice(2)}`;
		return new Promise((resolve, reject) => {
			this.pending.set(batchId, { resolve, reject });
			this.queue.unshift({ batchId, s0, s1, state: "queued" });
			this.dispatch();
		});
	}

	async dispatch() {
		for (const w of this.workers) {
			if (w.state !== "idle" || this.queue.length === 0) continue;
			const job = this.queue.shift();
			w.state = "busy";
			w.job = job;
			job.state = "running";
			if (job.batchId !== undefined) {
				w.worker.postMessage({ type: "batch", id: job.batchId, s0: job.s0, s1: job.s1 });
				continue;
			}
			job.worker = w.id;
			this.hooks.onChange?.();
			let bytes;
			try {
				bytes = await job.file.arrayBuffer();
			} catch (e) {
				w.state = "idle";
				w.job = null;
				job.state = "running"; // onResult marks it failed
				this.hooks.onResult(job, { id: job.id, error: `cannot read the file: ${e.message}` });
				this.dispatch();
				return;
			}
			if (w.state !== "busy" || w.job !== job || job.state !== "running") continue; // cancelled meanwhile
			const debugCrash = this.injectCrashes > 0;
			if (debugCrash) this.injectCrashes--;
			if (job.dicom) {
				// a DICOM file (or some of its frames): no name goes to the worker
				w.worker.postMessage({ type: "dicom", id: job.id, bytes, category: job.category, sdpPlus: !!job.sdpPlus, frames: job.dicom.frames, window: job.dicom.window, debugCrash }, [bytes]);
				continue;
			}
			w.worker.postMessage({ type: "job", id: job.id, bytes, name: job.name, category: job.category, sdpPlus: !!job.sdpPlus, debugCrash }, [bytes]);
		}
		if (this.queue.length === 0 && this.running === 0) this.hooks.onIdle?.();
	}

	stop() {
		this.stopped = true;
		for (const w of [...this.workers]) this.retire(w);
		for (const p of this.pending.values()) p.reject(new Error("stopped"));
		this.pending.clear();
	}
}
