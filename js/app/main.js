// main.js — clipad's page: model loading, image intake, the results list
// and the heatmap viewer. No framework: a few hundred lines of DOM code do
// not need one, and every dependency would be one more thing to audit for
// a page that promises not to send your images anywhere.
//
// Debugging and tests: window.clipadApp exposes the state (read-only use).
import { Bundle, MODEL_CACHE, ShardError, fetchJSON, pruneCache } from "./model.js";
import { Pool, poolSize } from "./pool.js";
import { Rendering, decodeImage } from "./heatmap.js";
import { Results } from "./results.js";
import { $, fmtBytes, fmtScore, download, isImageName, filesFromDrop, stem } from "./util.js";

const params = new URLSearchParams(location.search);
const VIEW_MAX_SIDE = 1600; // viewer resolution cap (exports use the full size)
const THUMB = 56;

const app = {
	site: null,
	models: null,
	bundle: null,
	pool: null,
	jobs: [],
	dicomJobs: [], // DICOM files (each analysed as its frames, which are in jobs)
	dicomCount: 0,
	selected: null,
	categories: [],
	category: "object",
	scoreMode: "single",
	threshold: 1,
	view: "overlay",
	opacity: 0.5,
	colourScale: "image",
	jet: null,
	state: "init", // init | need-download | downloading | starting | ready | error
	metrics: {},
	cspViolations: [],
	log: [],
	workersOverride: params.get("workers") || localStorage.getItem("clipad.workers") || "",
};
window.clipadApp = app;

// main-thread tasks over 50 ms (the page should never block: the engine
// runs in workers); kept for the tests and the settings panel
app.longTasks = [];
try {
	new PerformanceObserver((list) => {
		for (const e of list.getEntries()) app.longTasks.push({ start: e.startTime, ms: e.duration });
	}).observe({ type: "longtask", buffered: true });
} catch (e) {
	// not supported here
}

document.addEventListener("securitypolicyviolation", (e) => {
	app.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`);
});

function mark(name) {
	if (app.metrics[name] === undefined) app.metrics[name] = performance.now();
}

function logLine(text, kind = "info") {
	app.log.push({ kind, text });
	const li = document.createElement("li");
	li.className = kind;
	li.textContent = text;
	$("#log").prepend(li);
	while ($("#log").children.length > 20) $("#log").lastChild.remove();
}

// ---------------------------------------------------------------- model

function setModelError(msg, retry) {
	const el = $("#model-error");
	el.hidden = !msg;
	el.textContent = msg || "";
	$("#retry-btn").hidden = !retry;
	if (retry) {
		$("#retry-btn").onclick = retry;
		$("#load-btn").hidden = true; // Retry is the one action now
		setStatus("");
	}
	if (msg) app.state = "error";
}

function setStatus(msg) {
	$("#model-status").textContent = msg;
}

async function boot() {
	mark("boot");
	wireUI();
	if (!self.isSecureContext || !self.caches || !crypto.subtle) {
		setModelError(
			"This page must be opened over https:// or from http://localhost (127.0.0.1): browsers only offer the model cache, the hash checks and offline use to secure pages. Nothing was downloaded.",
		);
		return;
	}
	registerServiceWorker();
	try {
		app.site = await fetchJSON("site.json");
		app.models = await fetchJSON(app.site.models);
	} catch (e) {
		setModelError(`Cannot read the site's model list (${e.message}). If you are offline, this page has not been fully loaded here before; connect once and reload.`, () => location.reload());
		return;
	}
	const sel = $("#model-select");
	for (const m of app.models.models) {
		const o = document.createElement("option");
		o.value = m.id;
		o.textContent = `${m.label} — ${fmtBytes(m.bytes)}`;
		sel.append(o);
	}
	const saved = localStorage.getItem("clipad.model");
	sel.value = app.models.models.some((m) => m.id === saved) ? saved : app.models.default;
	sel.disabled = app.models.models.length < 2;
	sel.onchange = () => {
		localStorage.setItem("clipad.model", sel.value);
		selectModel(sel.value);
	};
	pruneCache(app.models.models.map((m) => new URL(m.manifest, location.href).href.replace(/manifest\.json$/, ""))).catch(() => {});
	await selectModel(sel.value);
}

async function selectModel(id) {
	stopPool();
	setModelError("");
	const entry = app.models.models.find((m) => m.id === id);
	const b = new Bundle(entry, location.href);
	app.bundle = b;
	$("#demo-banner").hidden = !(entry.synthetic && entry.config === "planted");
	$("#synthetic-banner").hidden = !(entry.synthetic && entry.config !== "planted");
	document.body.classList.toggle("synthetic", entry.synthetic);
	try {
		await Promise.all([b.loadManifest(), b.loadText()]);
	} catch (e) {
		setModelError(`Cannot read the model's description (${e.message}).`, () => selectModel(id));
		return;
	}
	if (app.bundle !== b) return;
	$("#demo-banner").hidden = !(b.manifest.synthetic && b.manifest.config.name === "planted");
	$("#synthetic-banner").hidden = !(b.manifest.synthetic && b.manifest.config.name !== "planted");
	fillCategories(b.categories);
	// SDP+ (spec §5): trained linear heads shipped in the bundle, on by default
	$("#sdp-plus-wrap").hidden = !b.manifest.sdp_plus;
	$("#sdp-plus").checked = !!b.manifest.sdp_plus;
	$("#model-info").textContent = `${entry.label}: ${b.manifest.config.name}, ${b.manifest.dtype} weights, ${fmtBytes(b.totalBytes)} in ${b.shards.length} file${b.shards.length > 1 ? "s" : ""}, ${b.categories.length} categories. Model id ${b.manifest.model_id}.`;
	await refreshCacheState(true);
}

async function refreshCacheState(autoStart) {
	const b = app.bundle;
	const c = await b.cached();
	mark("cacheChecked");
	const load = $("#load-btn");
	$("#forget-btn").hidden = c.bytes === 0;
	if (c.complete) {
		load.hidden = true;
		if (autoStart) {
			setStatus(`The model is on this device (${fmtBytes(b.totalBytes)}); starting the engine without downloading anything…`);
			startPool("cache");
		}
		return;
	}
	app.state = "need-download";
	load.hidden = false;
	load.disabled = false;
	const rest = b.totalBytes - c.bytes;
	load.textContent = c.bytes > 0 ? `Download the rest of the model (${fmtBytes(rest)} of ${fmtBytes(b.totalBytes)})` : `Download the model (${fmtBytes(b.totalBytes)})`;
	setStatus(`Nothing is downloaded until you press the button. The model is stored in this browser so later visits, even offline, need no download.`);
}

async function downloadModel() {
	const b = app.bundle;
	setModelError("");
	$("#load-btn").disabled = true;
	app.state = "downloading";
	try {
		const est = await navigator.storage?.estimate?.();
		if (est && est.quota && est.quota - est.usage < b.totalBytes * 1.05) {
			throw new Error(`This browser allows this site only ${fmtBytes(est.quota - est.usage)} more storage; the model needs ${fmtBytes(b.totalBytes)}. Free some space or allow more storage, then retry.`);
		}
	} catch (e) {
		if (!(e instanceof TypeError)) {
			setModelError(e.message, downloadModel);
			$("#load-btn").disabled = false;
			return;
		}
	}
	$("#progress-wrap").hidden = false;
	const t0 = performance.now();
	try {
		await b.download(({ done, total, shard, shards }) => {
			$("#progress").max = total;
			$("#progress").value = done;
			$("#progress-text").textContent = `${fmtBytes(done)} of ${fmtBytes(total)}${shard ? ` (file ${shard} of ${shards})` : ""}`;
		});
	} catch (e) {
		$("#load-btn").disabled = false;
		await refreshCacheState(false);
		const msg = e instanceof ShardError ? e.message : `The download failed: ${e.message}`;
		setModelError(msg, downloadModel);
		logLine(msg, "error");
		return;
	}
	logLine(`Model downloaded and checked (${fmtBytes(b.totalBytes)} in ${((performance.now() - t0) / 1000).toFixed(1)} s).`);
	navigator.storage?.persist?.().catch(() => {});
	$("#load-btn").hidden = true;
	$("#forget-btn").hidden = false;
	startPool("download");
}

async function forgetModel() {
	if (!app.bundle) return;
	stopPool();
	await app.bundle.forget();
	logLine("The model was removed from this browser.");
	$("#progress-wrap").hidden = true;
	await refreshCacheState(false);
}

function stopPool() {
	if (app.pool) app.pool.stop();
	app.pool = null;
	for (const j of app.jobs) if (j.state === "queued" || j.state === "running") j.state = "waiting";
	for (const j of app.dicomJobs) if (j.state === "queued" || j.state === "running") j.state = "waiting";
}

async function compileCore() {
	const core = app.site.core;
	const compile = async (url) => {
		const r = await fetch(url);
		if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
		try {
			return await WebAssembly.compileStreaming(r.clone());
		} catch (e) {
			return WebAssembly.compile(await r.arrayBuffer());
		}
	};
	if (core.simd && params.get("simd") !== "0") {
		try {
			const kernels = await compile(core.simd.kernels); // fails where wasm SIMD is missing
			return { module: await compile(core.simd.wasm), simd: { js: new URL(core.simd.js, location.href).href, kernels } };
		} catch (e) {
			logLine(`The SIMD kernels are not usable here (${e.message}); using the plain engine.`);
		}
	}
	return { module: await compile(core.wasm), simd: null };
}

async function startPool(source) {
	const b = app.bundle;
	app.state = "starting";
	mark("poolStart");
	let core;
	try {
		core = await compileCore();
	} catch (e) {
		setModelError(`The inference engine could not be loaded (${e.message}). This browser needs WebAssembly.`, () => startPool(source));
		return;
	}
	if (app.bundle !== b) return;
	const sz = poolSize(b.totalBytes, app.workersOverride);
	$("#workers-input").placeholder = String(sz.auto);
	$("#workers-input").value = app.workersOverride || "";
	$("#workers-info").textContent = `${sz.size} running (automatic: ${sz.auto}, from ${sz.reason})`;
	let failed = false;
	const t0 = performance.now();
	const pool = new Pool({
		workerUrl: "app/worker.js",
		size: sz.size,
		init: {
			type: "init",
			wasmExec: new URL(app.site.core.wasmExec, location.href).href,
			module: core.module,
			simd: core.simd,
			manifest: b.manifestText,
			text: b.text,
			cache: MODEL_CACHE,
			shards: b.shards.map((s) => s.url),
		},
		hooks: {
			onReady: (w, m) => {
				app.jet = app.jet || m.jet;
				if (app.state !== "ready") {
					app.state = "ready";
					mark("modelReady");
					setModelError("");
					$("#progress-wrap").hidden = source !== "download";
					setStatus(`Ready: ${pool.size} engine instance${pool.size > 1 ? "s" : ""} (${source === "cache" ? "model loaded from this device's cache, no download" : "model downloaded and cached"}; first instance ready in ${((performance.now() - t0) / 1000).toFixed(2)} s). Drop images to analyse them.`);
					drawLegend();
					updateTechInfo(m);
				}
				updateQueueStatus();
			},
			onInitError: async (m) => {
				if (failed) return;
				if (m.kind === "core" && pool.ready > 0) {
					// one instance failed to start (e.g. out of memory) while
					// others run: go on with fewer
					logLine(`An engine instance failed to start (${m.message}); continuing with ${pool.workers.length}.`, "error");
					pool.size = pool.workers.length;
					updateQueueStatus();
					return;
				}
				failed = true;
				stopPool();
				if (m.kind === "missing-shard" || m.kind === "bad-shard") {
					await b.forget(m.index);
					await refreshCacheState(false);
					setModelError(
						`The stored copy of model file ${m.index + 1} is ${m.kind === "missing-shard" ? "missing" : "damaged"} (${m.message}). It was removed; press Retry to download it again.`,
						downloadModel,
					);
				} else {
					setModelError(`The engine failed to start: ${m.message}`, () => startPool(source));
				}
				logLine(`Engine start failed: ${m.message}`, "error");
			},
			onResult: (job, m) => (m.dicom ? onDicomDone(job, m) : onResult(job, m)),
			onDicomInfo: (job, m) => onDicomInfo(job, m),
			onDicomFrame: (job, m) => onDicomFrame(job, m),
			onCrash: (w, job, reason) => {
				const msg = job
					? `An engine instance crashed while analysing ${job.name} (${reason}). It was replaced and the batch goes on.`
					: `An engine instance crashed (${reason}). It was replaced.`;
				logLine(msg, "error");
				if (job) {
					job.state = "failed";
					job.error = `the engine crashed on this image (${reason}); possibly out of memory`;
					if (job.isDicomFile) dicomFileFailed(job);
					else app.results.update(job);
				}
				updateQueueStatus();
			},
			onIdle: () => {
				updateQueueStatus();
				computeBatchScores();
			},
			onChange: () => updateQueueStatus(),
		},
	});
	app.pool = pool;
	for (const j of app.dicomJobs) if (j.state === "waiting") pool.enqueue(j);
	for (const j of app.jobs) if (j.state === "waiting" && !(j.parent && j.parent.state === "queued")) pool.enqueue(j);
	updateQueueStatus();
}

// ---------------------------------------------------------------- jobs

let nextJob = 1;

const DICOM_EXT = /\.(dcm|dicom)$/i;

// isDicom sniffs the Part 10 magic: "DICM" at byte offset 128.
async function isDicom(file) {
	if (file.size < 132) return false;
	const b = new Uint8Array(await file.slice(128, 132).arrayBuffer());
	return b[0] === 0x44 && b[1] === 0x49 && b[2] === 0x43 && b[3] === 0x4d;
}

async function addFiles(items, how) {
	const imgs = [];
	const dicoms = [];
	let skipped = 0;
	for (const it of items) {
		if (isImageName(it.name)) imgs.push(it);
		else if (DICOM_EXT.test(it.name) || it.file.type === "application/dicom" || (await isDicom(it.file).catch(() => false))) dicoms.push(it);
		else if ((it.file.type || "").startsWith("image/")) imgs.push(it);
		else skipped++;
	}
	imgs.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
	if (skipped) logLine(`Skipped ${skipped} file${skipped > 1 ? "s" : ""} that are not images.`);
	if (dicoms.length) addDicomFiles(dicoms, how);
	if (!imgs.length) return;
	mark("firstDrop");
	for (const it of imgs) {
		const job = { id: nextJob++, file: it.file, name: it.name, category: app.category, sdpPlus: !$("#sdp-plus-wrap").hidden && $("#sdp-plus").checked, state: "waiting", added: performance.now() };
		app.jobs.push(job);
		app.results.add(job);
		if (app.pool) app.pool.enqueue(job);
	}
	logLine(`${imgs.length} image${imgs.length > 1 ? "s" : ""} added (${how}, category "${app.category}").`);
	updateQueueStatus();
	updateButtons();
}

// ---------------------------------------------------------------- DICOM
//
// A DICOM file becomes one job for the pool (the worker opens it once and
// analyses every frame); each frame is a row of the results (its own job,
// which "Apply window" re-analyses alone). The file's name is dropped here:
// DICOM file names often hold patient data, so files are called "DICOM file
// N" until opened, and frames by the core's pixel hash and frame number.
// No identifying DICOM attribute ever reaches the page (the core does not
// read them), so none can be shown or exported.

function addDicomFiles(items, how) {
	mark("firstDrop");
	const sdpPlus = !$("#sdp-plus-wrap").hidden && $("#sdp-plus").checked;
	for (const it of items) {
		const job = { id: nextJob++, file: it.file, name: `DICOM file ${++app.dicomCount}`, isDicomFile: true, dicom: { frames: null, window: null }, category: app.category, sdpPlus, state: "waiting", frameJobs: null, added: performance.now() };
		app.dicomJobs.push(job);
		if (app.pool) app.pool.enqueue(job);
	}
	logLine(`${items.length} DICOM file${items.length > 1 ? "s" : ""} added (${how}, category "${app.category}"); patient data in them is never read, shown or exported.`);
	renderSeries();
	updateQueueStatus();
	updateButtons();
}

function frameName(id, frame) {
	return `dicom-${id}-f${String(frame).padStart(3, "0")}`;
}

function onDicomInfo(job, m) {
	const info = m.info;
	job.info = info;
	if (job.isDicomFile && !job.frameJobs) {
		job.frameJobs = [];
		for (let f = 1; f <= info.frames; f++) {
			const fj = { id: nextJob++, file: job.file, name: frameName(info.id, f), parent: job, frame: f, info, dicom: { frames: [f], window: job.dicom.window }, category: job.category, sdpPlus: job.sdpPlus, state: "running", added: performance.now() };
			job.frameJobs.push(fj);
			app.jobs.push(fj);
			app.results.add(fj);
		}
		renderSeries();
		updateQueueStatus();
		updateButtons();
	}
}

function onDicomFrame(job, m) {
	const fj = job.isDicomFile ? job.frameJobs?.[m.frame - 1] : job;
	if (!fj) return;
	if (m.error) {
		onResult(fj, { error: m.error });
	} else {
		fj.img = { rgba: m.image.rgba, w: m.image.width, h: m.image.height };
		fj.window = m.image.window;
		fj.range = m.image.range;
		fj.renderVersion = (fj.renderVersion || 0) + 1;
		onResult(fj, { result: m.result, map: m.map });
		if (app.selected === fj) updateWindowControls(fj);
	}
	renderSeries();
}

function dicomFileFailed(job) {
	if (job.frameJobs) {
		for (const fj of job.frameJobs) {
			if (fj.state === "running" || fj.state === "queued" || fj.state === "waiting") {
				fj.state = "failed";
				fj.error = job.error || "this frame was not analysed";
				app.results.update(fj);
			}
		}
	} else if (!app.jobs.includes(job)) {
		// the file could not be opened: it gets a row of its own (named "DICOM file N")
		app.jobs.push(job);
		app.results.add(job);
	} else app.results.update(job);
	renderSeries();
	updateButtons();
}

// onDicomDone: the pool's last message for a DICOM job (a file or a frame).
function onDicomDone(job, m) {
	if (m.error) {
		job.state = "failed";
		job.error = m.error;
		if (job.isDicomFile) {
			logLine(`${job.name} could not be read: ${m.error}`, "error");
			dicomFileFailed(job);
		} else app.results.update(job);
	} else if (job.isDicomFile) {
		job.state = "done";
		for (const fj of job.frameJobs || []) {
			if (fj.state === "running") {
				fj.state = "failed";
				fj.error = "this frame was not analysed";
				app.results.update(fj);
			}
		}
	} else if (job.state === "running") {
		job.state = "failed";
		job.error = "this frame was not analysed";
		app.results.update(job);
	}
	renderSeries();
	updateQueueStatus();
	updateButtons();
}

// renderSeries lists the DICOM files grouped by series (seriesKey, a hash of
// the Series Instance UID) and ordered by instance number, with a button
// per frame.
function renderSeries() {
	const box = $("#dicom-series-list");
	$("#dicom-series").hidden = app.dicomJobs.length === 0;
	const groups = new Map();
	for (const j of app.dicomJobs) {
		const k = j.info ? j.info.seriesKey || `file ${j.info.id}` : `pending ${j.id}`;
		if (!groups.has(k)) groups.set(k, []);
		groups.get(k).push(j);
	}
	box.replaceChildren();
	for (const [k, js] of groups) {
		js.sort((a, b) => (a.info?.instanceNumber ?? 0) - (b.info?.instanceNumber ?? 0) || a.id - b.id);
		const sec = document.createElement("section");
		sec.className = "series";
		sec.dataset.series = k;
		const h = document.createElement("h4");
		const first = js[0].info;
		h.textContent = !first
			? js[0].state === "failed" ? `${js[0].name}: could not be read` : `${js[0].name}: opening…`
			: first.seriesKey
				? `Series ${first.seriesKey.slice(0, 12)} · ${first.modality || "?"} · ${js.length} file${js.length > 1 ? "s" : ""}`
				: `File ${first.id} · ${first.modality || "?"} (no series)`;
		sec.append(h);
		const ol = document.createElement("ol");
		for (const j of js) {
			if (!j.info) continue;
			const li = document.createElement("li");
			li.dataset.file = j.info.id;
			li.dataset.instance = String(j.info.instanceNumber);
			li.append(`Instance ${j.info.instanceNumber || "–"} · ${j.info.id} · ${j.info.columns} × ${j.info.rows}, ${j.info.bitsStored}-bit ${j.info.photometric}, ${j.info.frames} frame${j.info.frames > 1 ? "s" : ""}: `);
			for (const fj of j.frameJobs || []) {
				const b = document.createElement("button");
				b.type = "button";
				b.className = "frame-btn";
				b.textContent = String(fj.frame);
				b.dataset.state = fj.state;
				b.dataset.job = String(fj.id);
				b.setAttribute("aria-label", `Frame ${fj.frame} of ${j.info.frames} (${fj.state})`);
				if (app.selected === fj) b.setAttribute("aria-pressed", "true");
				b.onclick = () => select(fj, false);
				li.append(b, " ");
			}
			ol.append(li);
		}
		sec.append(ol);
		box.append(sec);
	}
}

function fmtWindow(w) {
	if (!w) return "none (colour)";
	const n = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4));
	return `centre ${n(w.center)}, width ${n(w.width)} (${{ user: "set here", file: "the file's", minmax: "minimum–maximum", percentile: "0.5–99.5 percentile" }[w.source] || w.source})`;
}

function updateWindowControls(job) {
	const isFrame = !!(job && job.dicom && !job.isDicomFile);
	$("#dicom-window").hidden = !isFrame;
	if (!isFrame) return;
	const w = job.window;
	if (w && $("#win-preset").value !== "manual") {
		$("#win-center").value = String(+w.center.toPrecision(6));
		$("#win-width").value = String(+w.width.toPrecision(6));
	}
	$("#win-info").textContent = `Current window: ${fmtWindow(w)}${job.range ? `; pixel values ${+job.range.min.toPrecision(6)} to ${+job.range.max.toPrecision(6)}` : ""}.`;
}

function applyWindow() {
	const job = app.selected;
	if (!job || !job.dicom || job.isDicomFile || job.state === "running" || job.state === "queued") return;
	const p = $("#win-preset").value;
	let w;
	if (p === "manual") {
		const c = Number($("#win-center").value);
		const wd = Number($("#win-width").value);
		if (!Number.isFinite(c) || !(wd > 0)) {
			logLine("A manual window needs a centre and a width above 0.", "error");
			return;
		}
		w = { center: c, width: wd };
	} else w = { auto: p };
	job.dicom = { frames: [job.frame], window: w };
	job.state = "waiting";
	job.batchScore = undefined;
	app.results.update(job);
	if (app.pool) app.pool.enqueue(job);
	renderSelected();
	renderSeries();
	updateQueueStatus();
}

function onResult(job, m) {
	if (m.error) {
		job.state = "failed";
		job.error = m.error;
	} else {
		job.state = "done";
		job.result = m.result;
		job.map = m.map;
		let lo = Infinity;
		for (const v of m.map) if (v < lo) lo = v;
		job.mapMin = lo;
		job.batchScore = undefined;
		mark("firstResult");
	}
	app.results.update(job);
	if (job.state === "done") {
		drawThumb(job);
		if (!app.selected) select(job);
		else if (app.selected === job) renderSelected();
		else if (app.colourScale === "shared") scheduleRender();
	}
	updateQueueStatus();
	updateButtons();
}

let batchBusy = false;
let batchAgain = false;

async function computeBatchScores() {
	if (!app.pool) return;
	if (batchBusy) {
		batchAgain = true;
		return;
	}
	batchBusy = true;
	try {
		do {
			batchAgain = false;
			await batchScoresOnce();
		} while (batchAgain && app.pool);
	} finally {
		batchBusy = false;
	}
}

async function batchScoresOnce() {
	const groups = new Map();
	for (const j of app.jobs) {
		if (j.state !== "done") continue;
		if (!groups.has(j.category)) groups.set(j.category, []);
		groups.get(j.category).push(j);
	}
	for (const js of groups.values()) {
		if (js.every((j) => j.batchScore !== undefined && j.batchOf === js.length)) continue;
		try {
			const s = await app.pool.batchScores(js.map((j) => j.result.probAbnormal), js.map((j) => j.result.mapMax));
			js.forEach((j, i) => {
				j.batchScore = s[i];
				j.batchOf = js.length;
			});
		} catch (e) {
			logLine(`Batch scores failed: ${e.message}`, "error");
		}
	}
	app.results.refreshAll();
	if (app.selected) updateViewerInfo();
}

function updateQueueStatus() {
	const n = { waiting: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
	for (const j of app.jobs) n[j.state]++;
	let files = 0;
	for (const j of app.dicomJobs) if (["waiting", "queued", "running"].includes(j.state)) files++;
	const active = n.waiting + n.queued + n.running + files;
	const parts = [];
	if (n.done + n.failed) parts.push(`${n.done} analysed${n.failed ? `, ${n.failed} failed` : ""}`);
	if (n.running) parts.push(`${n.running} running`);
	if (n.queued) parts.push(`${n.queued} queued`);
	if (n.waiting) parts.push(`${n.waiting} waiting for the model`);
	if (n.cancelled) parts.push(`${n.cancelled} cancelled`);
	if (app.pool && app.pool.crashes) parts.push(`${app.pool.crashes} engine crash${app.pool.crashes > 1 ? "es" : ""} (replaced)`);
	$("#queue-status").textContent = parts.join(" · ");
	$("#cancel-btn").hidden = active === 0;
	document.body.dataset.busy = active > 0 ? "1" : "0";
}

function cancelAll() {
	let n = 0;
	if (app.pool) n += app.pool.cancel().length;
	for (const j of [...app.jobs, ...app.dicomJobs]) {
		if (j.state === "waiting" || j.state === "queued" || j.state === "running") {
			j.state = "cancelled";
			n++;
		}
	}
	renderSeries();
	for (const j of app.jobs) if (j.state === "cancelled") app.results.update(j);
	logLine(`Cancelled ${n} image${n === 1 ? "" : "s"}.`);
	updateQueueStatus();
}

function reanalyseAll() {
	const cat = app.category;
	const again = app.jobs.filter((j) => j.state !== "running" && j.state !== "queued" && !j.isDicomFile);
	for (const j of again) {
		j.category = cat;
		j.state = "waiting";
		j.result = j.map = j.error = j.batchScore = undefined;
		app.results.update(j);
		if (app.pool) app.pool.enqueue(j);
	}
	logLine(`Re-analysing ${again.length} image${again.length === 1 ? "" : "s"} as "${cat}".`);
	updateQueueStatus();
}

function clearAll() {
	if (app.pool) app.pool.cancel();
	app.jobs = [];
	app.dicomJobs = [];
	app.selected = null;
	app.results.clear();
	renderSeries();
	clearViewer();
	updateQueueStatus();
	updateButtons();
}

// ---------------------------------------------------------------- viewer

let rendering = null; // {job, r: Rendering}
let renderTimer = 0;

function scheduleRender() {
	clearTimeout(renderTimer);
	renderTimer = setTimeout(renderSelected, 150);
}

function sharedRange(job) {
	if (app.colourScale !== "shared") return null;
	let lo = Infinity;
	let hi = -Infinity;
	for (const j of app.jobs) {
		if (j.state !== "done" || j.category !== job.category) continue;
		lo = Math.min(lo, j.mapMin);
		hi = Math.max(hi, j.result.mapMax);
	}
	return [lo, hi];
}

async function select(job, focus) {
	app.selected = job;
	app.results.setSelected(job, focus);
	await renderSelected();
}

async function renderSelected() {
	const job = app.selected;
	if (!job) return;
	$("#viewer-title").textContent = job.name;
	updateViewerInfo();
	updateWindowControls(job);
	for (const b of document.querySelectorAll("#dicom-series-list .frame-btn")) b.setAttribute("aria-pressed", String(b.dataset.job === String(job.id)));
	const canvas = $("#view-canvas");
	if (job.state !== "done") {
		canvas.width = canvas.height = 1;
		canvas.setAttribute("aria-label", `${job.name}: ${job.state === "failed" ? "failed" : "not analysed yet"}`);
		$("#export-png").disabled = true;
		return;
	}
	const range = sharedRange(job);
	const key = `${job.id}:${job.result.ms}:${job.renderVersion || 0}:${range ? range.join(",") : "img"}`;
	if (!rendering || rendering.key !== key) {
		let img;
		try {
			img = await imageOf(job, VIEW_MAX_SIDE);
		} catch (e) {
			logLine(`The browser cannot display ${job.name} (${e.message}).`, "error");
			return;
		}
		if (app.selected !== job) return;
		rendering = { key, job, img, r: new Rendering({ rgba: img.rgba, w: img.w, h: img.h, map: job.map, size: job.result.size, jet: app.jet, range }) };
	}
	rendering.r.draw(canvas, app.view, app.opacity);
	canvas.dataset.job = String(job.id);
	canvas.dataset.view = app.view;
	canvas.setAttribute("aria-label", `Anomaly heatmap of ${job.name} (${app.view === "raw" ? "heatmap only" : app.view === "side" ? "image and overlay side by side" : "overlay"}); score ${fmtScore(activeScore(job))}`);
	$("#export-png").disabled = false;
	mark("firstHeatmap");
}

// imageOf: the pixels to draw under the heatmap, at most maxSide on the long
// side (0: full size). DICOM frames come rendered by the core (the browser
// cannot read DICOM), with the window they were analysed with.
async function imageOf(job, maxSide) {
	if (!job.img) return decodeImage(job.file, maxSide);
	const { rgba, w, h } = job.img;
	const s = maxSide ? Math.min(1, maxSide / Math.max(w, h)) : 1;
	if (s === 1) return { rgba, w, h };
	const src = new OffscreenCanvas(w, h);
	src.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
	const cw = Math.max(1, Math.round(w * s));
	const ch = Math.max(1, Math.round(h * s));
	const cv = new OffscreenCanvas(cw, ch);
	const ctx = cv.getContext("2d", { willReadFrequently: true });
	ctx.imageSmoothingQuality = "high";
	ctx.drawImage(src, 0, 0, cw, ch);
	return { rgba: ctx.getImageData(0, 0, cw, ch).data, w: cw, h: ch };
}

function clearViewer() {
	rendering = null;
	const c = $("#view-canvas");
	c.width = c.height = 1;
	$("#viewer-title").textContent = "No image selected";
	$("#viewer-info").replaceChildren();
	$("#export-png").disabled = true;
	updateWindowControls(null);
}

function activeScore(job) {
	if (job.state !== "done") return undefined;
	return app.scoreMode === "batch" ? job.batchScore : job.result.score;
}

function updateViewerInfo() {
	const job = app.selected;
	const dl = $("#viewer-info");
	dl.replaceChildren();
	if (!job) return;
	const add = (k, v) => {
		const dt = document.createElement("dt");
		dt.textContent = k;
		const dd = document.createElement("dd");
		dd.textContent = v;
		dl.append(dt, dd);
	};
	add("Category", job.category);
	if (job.info && !job.isDicomFile) {
		const i = job.info;
		add("DICOM", `frame ${job.frame} of ${i.frames}, ${i.modality || "unknown modality"}, ${i.photometric}, file ${i.id}${i.seriesKey ? `, series ${i.seriesKey.slice(0, 12)}` : ""}${i.instanceNumber ? `, instance ${i.instanceNumber}` : ""}`);
		if (job.window !== undefined) add("Window", fmtWindow(job.window));
	}
	if (job.state === "failed") add("Error", job.error);
	if (job.state !== "done") return add("Status", job.state);
	const r = job.result;
	add("Size", `${r.width} × ${r.height} px`);
	add("Score (each image alone)", fmtScore(r.score));
	add("Score (relative to batch)", job.batchScore === undefined ? "…" : `${fmtScore(job.batchScore)} (of ${job.batchOf})`);
	add("P(abnormal), CLIP", r.probAbnormal.toPrecision(4));
	add("Heatmap maximum", r.mapMax.toPrecision(4));
	add("Flagged", activeScore(job) >= app.threshold ? "yes" : "no");
	add("Time", `${Math.round(r.ms)} ms${r.decodedBy === "browser" ? " (converted by the browser)" : r.decodedBy === "dicom" ? " (DICOM, windowed by the engine)" : ""}`);
}

function drawLegend() {
	if (!app.jet) return;
	const c = $("#legend-canvas");
	const ctx = c.getContext("2d");
	const d = ctx.createImageData(256, 1);
	for (let i = 0; i < 256; i++) {
		d.data[4 * i] = app.jet[3 * i];
		d.data[4 * i + 1] = app.jet[3 * i + 1];
		d.data[4 * i + 2] = app.jet[3 * i + 2];
		d.data[4 * i + 3] = 255;
	}
	ctx.putImageData(d, 0, 0);
}

async function drawThumb(job) {
	try {
		const img = await imageOf(job, THUMB);
		const r = new Rendering({ rgba: img.rgba, w: img.w, h: img.h, map: job.map, size: job.result.size, jet: app.jet });
		const c = document.createElement("canvas");
		r.draw(c, "overlay", 0.5);
		app.results.setThumb(job, c);
	} catch (e) {
		// no thumbnail: the browser cannot display this format
	}
}

async function exportPNG() {
	const job = app.selected;
	if (!job || job.state !== "done") return;
	const img = await imageOf(job, 0); // full size
	const r = new Rendering({ rgba: img.rgba, w: img.w, h: img.h, map: job.map, size: job.result.size, jet: app.jet, range: sharedRange(job) });
	const c = new OffscreenCanvas(1, 1);
	r.draw(c, app.view, app.opacity);
	const blob = await c.convertToBlob({ type: "image/png" });
	const suffix = { overlay: "overlay", raw: "heatmap", side: "side" }[app.view];
	download(blob, `${stem(job.name)}_${suffix}.png`);
}

// ---------------------------------------------------------------- UI

function fillCategories(cats) {
	app.categories = cats;
	const names = cats.map((c) => c.name);
	if (!names.includes(app.category)) app.category = names.includes("object") ? "object" : names[0];
	renderCategoryList("");
}

const DATASETS = { "": "Generic", mvtec: "Industrial (MVTec AD)", visa: "Industrial (VisA)", medical: "Medical (not for diagnostic use)" };

function renderCategoryList(filter) {
	const sel = $("#cat-select");
	sel.replaceChildren();
	const f = filter.trim().toLowerCase();
	const groups = new Map();
	for (const c of app.categories) {
		if (f && !c.name.toLowerCase().includes(f) && !(c.dataset || "").toLowerCase().includes(f) && !(c.medical && "medical".includes(f))) continue;
		const g = c.medical ? "medical" : c.name === "object" ? "" : c.dataset || "other";
		if (!groups.has(g)) groups.set(g, []);
		groups.get(g).push(c);
	}
	const order = ["", "mvtec", "visa", "medical"];
	const keys = [...groups.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
	for (const g of keys) {
		const og = document.createElement("optgroup");
		og.label = DATASETS[g] || g;
		for (const c of groups.get(g)) {
			const o = document.createElement("option");
			o.value = c.name;
			o.textContent = c.name.replace(/_/g, " ");
			og.append(o);
		}
		sel.append(og);
	}
	sel.value = app.category;
	updateCategoryNotes();
}

function setCategory(name) {
	if (!app.categories.some((c) => c.name === name)) return;
	app.category = name;
	$("#cat-select").value = name;
	updateCategoryNotes();
}

function updateCategoryNotes() {
	const c = app.categories.find((x) => x.name === app.category);
	$("#medical-note").hidden = !(c && c.medical);
	$("#reanalyze-cat").textContent = app.category;
	const medical = new Set(app.categories.filter((x) => x.medical).map((x) => x.name));
	$("#medical-results-note").hidden = !(app.jobs.some((j) => medical.has(j.category)) || app.dicomJobs.length > 0);
}

function updateButtons() {
	const any = app.jobs.length > 0 || app.dicomJobs.length > 0;
	const done = app.jobs.some((j) => j.state === "done" || j.state === "failed");
	$("#export-csv").disabled = !done;
	$("#export-json").disabled = !done;
	$("#reanalyze-btn").disabled = !any;
	$("#clear-btn").disabled = !any;
	$("#empty-note").hidden = any;
	updateCategoryNotes();
}

function updateTechInfo(ready) {
	const dl = $("#tech-info");
	dl.replaceChildren();
	const add = (k, v) => {
		const dt = document.createElement("dt");
		dt.textContent = k;
		const dd = document.createElement("dd");
		dd.textContent = v;
		dl.append(dt, dd);
	};
	add("Engine", `${ready.version}${ready.simd ? ` with SIMD kernels${ready.relaxed ? " (int8 on relaxed SIMD)" : ""}` : ""}; ${fmtBytes(ready.memBytes)} of memory per instance after loading the model`);
	add("Site build", app.site.build);
	add("Model", `${app.bundle.manifest.model_id} (${app.bundle.manifest.dtype})`);
	add("Cross-origin isolated", String(self.crossOriginIsolated === true) + " (not needed: each worker runs its own engine, no SharedArrayBuffer)");
	add("Service worker", navigator.serviceWorker?.controller ? "active (works offline)" : "not active yet");
}

function wireUI() {
	app.results = new Results({
		tbody: $("#results-body"),
		table: $("#results-table"),
		score: (j) => activeScore(j),
		flagged: (j) => {
			const s = activeScore(j);
			return s !== undefined && s >= app.threshold;
		},
		onSelect: (j, focus) => select(j, focus),
		onRefresh: () => updateFlagSummary(),
	});
	$("#load-btn").onclick = downloadModel;
	$("#forget-btn").onclick = forgetModel;
	$("#reload-btn").onclick = () => location.reload();
	$("#cat-filter").addEventListener("input", (e) => renderCategoryList(e.target.value));
	$("#cat-filter").addEventListener("keydown", (e) => {
		if (e.key === "ArrowDown" || e.key === "Enter") {
			const first = $("#cat-select").querySelector("option");
			if (first) {
				e.preventDefault();
				setCategory(first.value);
				$("#cat-select").focus();
			}
		}
	});
	$("#cat-select").addEventListener("change", (e) => setCategory(e.target.value));

	const fileInput = $("#file-input");
	const folderInput = $("#folder-input");
	$("#pick-files").onclick = () => fileInput.click();
	$("#pick-folder").onclick = () => folderInput.click();
	fileInput.onchange = () => {
		addFiles([...fileInput.files].map((f) => ({ file: f, name: f.name })), "chosen");
		fileInput.value = "";
	};
	folderInput.onchange = () => {
		addFiles([...folderInput.files].map((f) => ({ file: f, name: f.webkitRelativePath || f.name })), "folder");
		folderInput.value = "";
	};
	const drop = $("#drop");
	drop.addEventListener("keydown", (e) => {
		if (e.key === "Enter" || e.key === " ") {
			e.preventDefault();
			fileInput.click();
		}
	});
	drop.addEventListener("click", () => fileInput.click());
	let depth = 0;
	document.addEventListener("dragenter", (e) => {
		if (![...(e.dataTransfer?.types || [])].includes("Files")) return;
		depth++;
		document.body.classList.add("dragging");
	});
	document.addEventListener("dragleave", () => {
		depth = Math.max(0, depth - 1);
		if (!depth) document.body.classList.remove("dragging");
	});
	document.addEventListener("dragover", (e) => {
		e.preventDefault();
		if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
	});
	document.addEventListener("drop", async (e) => {
		e.preventDefault();
		depth = 0;
		document.body.classList.remove("dragging");
		if (!e.dataTransfer) return;
		const items = await filesFromDrop(e.dataTransfer);
		addFiles(items, "dropped");
	});
	$("#samples-btn").onclick = loadSamples;
	$("#cancel-btn").onclick = cancelAll;
	$("#reanalyze-btn").onclick = reanalyseAll;
	$("#clear-btn").onclick = clearAll;

	for (const r of document.querySelectorAll('input[name="score-mode"]')) {
		r.addEventListener("change", () => {
			app.scoreMode = r.value;
			app.results.refreshAll();
			if (app.scoreMode === "batch") computeBatchScores();
			updateViewerInfo();
		});
	}
	$("#threshold").addEventListener("input", (e) => {
		app.threshold = Number(e.target.value);
		$("#threshold-out").textContent = app.threshold.toFixed(2);
		app.results.refreshAll();
		updateViewerInfo();
	});
	for (const r of document.querySelectorAll('input[name="view"]')) {
		r.addEventListener("change", () => {
			app.view = r.value;
			renderSelected();
		});
	}
	$("#opacity").addEventListener("input", (e) => {
		app.opacity = Number(e.target.value);
		$("#opacity-out").textContent = `${Math.round(app.opacity * 100)}%`;
		if (rendering) rendering.r.draw($("#view-canvas"), app.view, app.opacity);
	});
	$("#colour-scale").addEventListener("change", (e) => {
		app.colourScale = e.target.value;
		renderSelected();
	});
	$("#workers-input").addEventListener("change", (e) => {
		const v = e.target.value.trim();
		app.workersOverride = v;
		if (v) localStorage.setItem("clipad.workers", v);
		else localStorage.removeItem("clipad.workers");
		if (app.pool && app.state === "ready") {
			stopPool();
			startPool("cache");
		}
	});
	$("#export-csv").onclick = () => download(new Blob([app.results.csv(exportMeta())], { type: "text/csv" }), `clipad-results-${dateStamp()}.csv`);
	$("#export-json").onclick = () =>
		download(new Blob([JSON.stringify(app.results.json(exportMeta()), null, 1)], { type: "application/json" }), `clipad-results-${dateStamp()}.json`);
	$("#export-png").onclick = exportPNG;
	$("#win-apply").onclick = applyWindow;
	for (const id of ["#win-center", "#win-width"]) $(id).addEventListener("input", () => ($("#win-preset").value = "manual"));
}

function exportMeta() {
	const m = app.bundle?.manifest;
	return { modelId: m?.model_id, synthetic: !!m?.synthetic, scoreMode: app.scoreMode, threshold: app.threshold };
}

function dateStamp() {
	return new Date().toISOString().replace(/[:T]/g, "-").slice(0, 19);
}

function updateFlagSummary() {
	const done = app.jobs.filter((j) => j.state === "done");
	const flagged = done.filter((j) => activeScore(j) >= app.threshold).length;
	$("#flag-summary").textContent = done.length ? `${flagged} of ${done.length} image${done.length > 1 ? "s" : ""} flagged.` : "";
}

async function loadSamples() {
	if (!app.site?.samples) return logLine("This site has no sample images.");
	try {
		const idx = await fetchJSON(app.site.samples);
		const base = new URL(app.site.samples, location.href);
		const items = await Promise.all(
			idx.images.map(async (im) => {
				const r = await fetch(new URL(im.file, base));
				if (!r.ok) throw new Error(`${im.file}: HTTP ${r.status}`);
				return { file: new File([await r.blob()], im.file, { type: "image/png" }), name: im.file };
			}),
		);
		addFiles(items, "samples");
	} catch (e) {
		logLine(`Cannot load the sample images (${e.message}).`, "error");
	}
}

function registerServiceWorker() {
	if (!("serviceWorker" in navigator)) return;
	const hadController = !!navigator.serviceWorker.controller;
	navigator.serviceWorker.addEventListener("controllerchange", () => {
		if (hadController) $("#update-banner").hidden = false;
	});
	const reg = () =>
		navigator.serviceWorker.register("sw.js").then(
			() => (app.swRegistered = true),
			(e) => logLine(`Offline support is unavailable (${e.message}).`, "error"),
		);
	if (document.readyState === "complete") reg();
	else addEventListener("load", reg, { once: true });
}

boot();
