#!/usr/bin/env node
// page.test.mjs — end-to-end tests of the clipad page in headless Chromium
// (Debian's chromium driven by playwright-core). It builds nothing: `make
// test-page` builds site/ first. It serves the site with `clipad serve -log`
// on a free port of 127.0.0.1 (every request the server answers is
// recorded), and checks:
//   first visit: the download button states the size, nothing is fetched
//   before it is pressed, byte progress, shards in Cache Storage, the demo
//   banner, the CSP (no violations), no cross-origin isolation needed;
//   dropped planted images: the hot spot's position on the heatmap canvas,
//   the score ordering (single and batch), the same numbers as `clipad
//   detect`, sorting, the threshold, views, keyboard use, CSV/JSON/PNG
//   export; zero network requests while analysing (browser and server side);
//   a corrupt image in a batch; a crashing engine instance mid-batch; cancel;
//   DICOM files (a series, a multi-frame file, extension-less by magic):
//   frames as results, the series list, window/level, no patient tag in the
//   DOM, exports, export names or request URLs, no network;
//   a second visit loads from the cache; a corrupt and a truncated shard give
//   a clear message and a working retry; reload with the network off (and
//   the server stopped) still analyses images; time to first heatmap with
//   the model cached.
// Screenshots and exports go to --artifacts. The last line is
// "N passed, M failed"; the exit status is 1 if anything failed.
//
//   node js/e2e/page.test.mjs --site site --clipad build/clipad --artifacts artifacts/page
//   node js/e2e/page.test.mjs --bench --site DIR …   (timing only, for big models)
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const args = { site: "site", clipad: "build/clipad", artifacts: "artifacts/page", bench: false, workers: "2" };
for (let i = 2; i < process.argv.length; i++) {
	const k = process.argv[i].replace(/^--/, "");
	if (k === "bench") args.bench = true;
	else args[k] = process.argv[++i];
}
const SITE = path.resolve(args.site);
const CLIPAD = path.resolve(args.clipad);
const ART = path.resolve(args.artifacts);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
fs.mkdirSync(ART, { recursive: true });
const T0 = Date.now();
// everything printed also goes to ART/test.log (a test artifact)
const logFile = path.join(ART, "test.log");
fs.writeFileSync(logFile, "");
const origLog = console.log;
console.log = (...a) => {
	origLog(...a);
	fs.appendFileSync(logFile, a.join(" ") + "\n");
};

// ------------------------------------------------------------ reporting

let passed = 0;
let failed = 0;
const failures = [];
function check(name, ok, detail = "") {
	if (ok) {
		passed++;
		console.log(`ok   ${name}${detail ? ` — ${detail}` : ""}`);
	} else {
		failed++;
		failures.push(name);
		process.exitCode = 1; // even if the harness should end early
		console.log(`FAIL ${name}${detail ? ` — ${detail}` : ""}`);
	}
	return ok;
}
async function step(name, fn) {
	const t = Date.now();
	console.log(`\n# ${name}`);
	try {
		await fn();
	} catch (e) {
		check(`${name} (ran to the end)`, false, e.stack || String(e));
	}
	console.log(`  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

// ------------------------------------------------------------ server

async function startServer(dir, port = 0) {
	const proc = spawn(CLIPAD, ["serve", "-dir", dir, "-addr", `127.0.0.1:${port}`, "-log"], { stdio: ["ignore", "pipe", "pipe"] });
	const hits = [];
	let stderr = "";
	proc.stderr.on("data", (d) => (stderr += d));
	const url = await new Promise((resolve, reject) => {
		let buf = "";
		const timer = setTimeout(() => reject(new Error(`clipad serve did not start: ${stderr}`)), 10000);
		proc.stdout.on("data", (d) => {
			buf += d;
			let i;
			while ((i = buf.indexOf("\n")) >= 0) {
				const line = buf.slice(0, i);
				buf = buf.slice(i + 1);
				const m = /serving .* at (http:\/\/\S+)/.exec(line);
				if (m) {
					clearTimeout(timer);
					resolve(m[1]);
				}
				const r = /^(GET|HEAD) (\S+) (\d+)$/.exec(line);
				if (r) hits.push({ method: r[1], path: r[2], status: Number(r[3]), t: Date.now() });
			}
		});
		proc.on("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`clipad serve exited (${code}): ${stderr}`));
		});
	});
	return {
		proc,
		url,
		hits,
		stop: () =>
			new Promise((resolve) => {
				if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
				proc.once("exit", resolve);
				proc.kill();
			}),
	};
}

// ------------------------------------------------------------ DICOM fixtures

// Identifying values written into every test DICOM file (and into some file
// names): none may ever appear in the page, its exports or a request.
const DICOM_SECRETS = ["DOE^JANE", "DOE", "JANE", "PID-12345", "19700101", "1.2.826.0.1.3680043.77.1", "1.2.826.0.1.3680043.77.2", "1.2.826.0.1.3680043.77.3"];

// dicomFile writes a Part 10 file, explicit VR little endian, MONOCHROME2,
// native pixel data (bits 8 or 16), with patient name, ID, birth date and
// study/series UIDs.
function dicomFile({ rows, cols, frames = 1, bits = 16, series, instance, window, seed = 0 }) {
	const els = [];
	const str = (tag, vr, v) => els.push([tag, vr, Buffer.from(v, "latin1")]);
	const us = (tag, v) => {
		const b = Buffer.alloc(2);
		b.writeUInt16LE(v);
		els.push([tag, "US", b]);
	};
	str(0x00080060, "CS", "MR");
	str(0x00100010, "PN", "DOE^JANE");
	str(0x00100020, "LO", "PID-12345");
	str(0x00100030, "DA", "19700101");
	str(0x0020000d, "UI", "1.2.826.0.1.3680043.77.1");
	str(0x0020000e, "UI", series);
	if (instance) str(0x00200013, "IS", String(instance));
	us(0x00280002, 1);
	str(0x00280004, "CS", "MONOCHROME2");
	if (frames > 1) str(0x00280008, "IS", String(frames));
	us(0x00280010, rows);
	us(0x00280011, cols);
	us(0x00280100, bits);
	us(0x00280101, bits);
	us(0x00280102, bits - 1);
	us(0x00280103, 0);
	if (window) {
		str(0x00281050, "DS", String(window[0]));
		str(0x00281051, "DS", String(window[1]));
	}
	const bpp = bits / 8;
	const px = Buffer.alloc(rows * cols * frames * bpp);
	const max = bits === 16 ? 4000 : 250;
	for (let f = 0; f < frames; f++) {
		for (let y = 0; y < rows; y++) {
			for (let x = 0; x < cols; x++) {
				let v = Math.round(((x + y + 7 * f + seed) / (rows + cols + 7 * frames)) * max * 0.6);
				if (x > cols / 3 && x < cols / 2 && y > rows / 3 && y < rows / 2) v = max; // a bright block
				const o = ((f * rows + y) * cols + x) * bpp;
				if (bpp === 2) px.writeUInt16LE(v, o);
				else px[o] = v;
			}
		}
	}
	els.push([0x7fe00010, bits === 16 ? "OW" : "OB", px]);
	els.sort((a, b) => a[0] - b[0]);
	const parts = [Buffer.alloc(128), Buffer.from("DICM")];
	const el = (tag, vr, v) => {
		if (v.length % 2) v = Buffer.concat([v, Buffer.from([vr === "UI" || vr === "OB" ? 0 : 0x20])]);
		const h = Buffer.alloc(4);
		h.writeUInt16LE(tag >>> 16, 0);
		h.writeUInt16LE(tag & 0xffff, 2);
		let len;
		if (["OB", "OW", "SQ", "UN", "UT"].includes(vr)) {
			len = Buffer.alloc(6);
			len.writeUInt32LE(v.length, 2);
		} else {
			len = Buffer.alloc(2);
			len.writeUInt16LE(v.length);
		}
		parts.push(h, Buffer.from(vr, "latin1"), len, v);
	};
	const ts = Buffer.from("1.2.840.10008.1.2.1\0", "latin1");
	const gl = Buffer.alloc(4);
	gl.writeUInt32LE(8 + ts.length);
	el(0x00020000, "UL", gl);
	el(0x00020010, "UI", ts);
	for (const [tag, vr, v] of els) el(tag, vr, v);
	return Buffer.concat(parts);
}

// leaks lists the secrets found in text; binary data (a PNG) is checked for
// the long ones only (a 3-byte match in compressed bytes is chance).
function leaks(text, binary = false) {
	return DICOM_SECRETS.filter((s) => (!binary || s.length > 6) && text.includes(s));
}

// ------------------------------------------------------------ page helpers

const samplesIndex = JSON.parse(fs.readFileSync(path.join(SITE, "samples", "index.json"), "utf8"));
const samples = samplesIndex.images.map((im) => ({ ...im, bytes: fs.readFileSync(path.join(SITE, "samples", im.file)) }));
const spotSamples = samples.filter((s) => s.spot);
const normalSamples = samples.filter((s) => !s.spot);
const sample = (file) => samples.find((s) => s.file === file);

async function dropFiles(page, files) {
	const payload = files.map((f) => ({ name: f.name || f.file, type: f.type || "image/png", b64: Buffer.from(f.bytes).toString("base64") }));
	const dt = await page.evaluateHandle((files) => {
		const dt = new DataTransfer();
		for (const f of files) {
			const bin = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
			dt.items.add(new File([bin], f.name, { type: f.type }));
		}
		return dt;
	}, payload);
	await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
	await dt.dispose();
}

const TERMINAL = ["done", "failed", "cancelled"];
async function waitJobs(page, n, timeout = 60000) {
	await page.waitForFunction(
		({ n, TERMINAL }) => clipadApp.jobs.length >= n && clipadApp.jobs.every((j) => TERMINAL.includes(j.state)),
		{ n, TERMINAL },
		{ timeout },
	);
}
async function waitBatchScores(page, timeout = 30000) {
	await page.waitForFunction(() => clipadApp.jobs.filter((j) => j.state === "done").every((j) => j.batchScore !== undefined), null, { timeout });
}
async function jobs(page) {
	return page.evaluate(() =>
		clipadApp.jobs.map((j) => ({ id: j.id, name: j.name, state: j.state, error: j.error, result: j.result, batchScore: j.batchScore, category: j.category })),
	);
}
async function clearResults(page) {
	await page.click("#clear-btn");
	await page.waitForFunction(() => clipadApp.jobs.length === 0);
}
async function waitReady(page, timeout = 60000) {
	await page.waitForFunction(() => clipadApp.state === "ready" || clipadApp.state === "error", null, { timeout });
	return page.evaluate(() => clipadApp.state);
}
async function selectRow(page, name) {
	const id = await page.evaluate((name) => clipadApp.jobs.find((j) => j.name === name).id, name);
	await page.click(`#results-body tr[data-id="${id}"]`);
	await page.waitForFunction((id) => document.querySelector("#view-canvas").dataset.job === String(id), id);
	return id;
}
async function setView(page, view) {
	await page.check(`input[name="view"][value="${view}"]`);
	await page.waitForFunction((v) => document.querySelector("#view-canvas").dataset.view === v, view);
}

// hotSpot reads the heatmap canvas (raw JET view) back into colour-map
// indices and returns where the hottest pixels are.
async function hotSpot(page) {
	return page.evaluate(() => {
		const c = document.querySelector("#view-canvas");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		const jet = clipadApp.jet;
		const lut = new Map();
		for (let i = 0; i < 256; i++) lut.set((jet[3 * i] << 16) | (jet[3 * i + 1] << 8) | jet[3 * i + 2], i);
		let n = 0;
		let sx = 0;
		let sy = 0;
		let unknown = 0;
		let best = -1;
		let bx = 0;
		let by = 0;
		const box = [Infinity, Infinity, -Infinity, -Infinity];
		for (let y = 0; y < c.height; y++) {
			for (let x = 0; x < c.width; x++) {
				const o = 4 * (y * c.width + x);
				const i = lut.get((d[o] << 16) | (d[o + 1] << 8) | d[o + 2]);
				if (i === undefined) {
					unknown++;
					continue;
				}
				if (i > best) [best, bx, by] = [i, x, y];
				if (i >= 230) {
					n++;
					sx += x;
					sy += y;
					box[0] = Math.min(box[0], x);
					box[1] = Math.min(box[1], y);
					box[2] = Math.max(box[2], x + 1);
					box[3] = Math.max(box[3], y + 1);
				}
			}
		}
		return { w: c.width, h: c.height, hot: n, cx: sx / n, cy: sy / n, box, unknown, max: [bx, by, best] };
	});
}

async function download(page, selector, saveAs) {
	const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 15000 }), page.click(selector)]);
	const p = path.join(ART, saveAs || dl.suggestedFilename());
	await dl.saveAs(p);
	return { path: p, name: dl.suggestedFilename(), data: fs.readFileSync(p) };
}

function parseCSV(text) {
	const rows = [];
	for (const line of text.split(/\r?\n/)) {
		if (!line) continue;
		const cells = [];
		let cur = "";
		let q = false;
		for (let i = 0; i < line.length; i++) {
			const ch = line[i];
			if (q) {
				if (ch === '"' && line[i + 1] === '"') {
					cur += '"';
					i++;
				} else if (ch === '"') q = false;
				else cur += ch;
			} else if (ch === '"') q = true;
			else if (ch === ",") {
				cells.push(cur);
				cur = "";
			} else cur += ch;
		}
		cells.push(cur);
		rows.push(cells);
	}
	const [head, ...body] = rows;
	return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

const close = (a, b, rel = 1e-3, abs = 1e-6) => Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

// timeToFirstHeatmap navigates to url (model cached), drops one image as
// soon as the DOM is there and returns the page's own timings (ms since
// navigation start).
async function timeToFirstHeatmap(page, url, file, timeout = 120000) {
	await page.goto(url, { waitUntil: "domcontentloaded" });
	await dropFiles(page, [file]);
	await page.waitForFunction(() => clipadApp.metrics.firstHeatmap !== undefined || clipadApp.state === "error", null, { timeout });
	return page.evaluate(() => ({ ...clipadApp.metrics, state: clipadApp.state, status: document.querySelector("#model-status").textContent, analysisMs: clipadApp.jobs[0]?.result?.ms, memBytes: clipadApp.jobs[0]?.result?.memBytes }));
}

// ------------------------------------------------------------ main

async function main() {
	process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = "1";
	const server = await startServer(SITE);
	const origin = server.url.replace(/\/$/, "");
	const pageUrl = `${server.url}?workers=${args.workers}`;
	const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "clipad-e2e-profile-"));
	const tmpSites = [];
	const context = await chromium.launchPersistentContext(userDir, {
		executablePath: CHROMIUM,
		headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
		viewport: { width: 1280, height: 1000 },
		acceptDownloads: true,
	});
	// every request of every page, worker and service worker of the context
	const requests = [];
	context.on("request", (r) => {
		let sw = false;
		try {
			sw = !!r.serviceWorker();
		} catch {}
		requests.push({ url: r.url(), sw, t: Date.now(), frame: sw ? "service worker" : "page/worker" });
	});
	const netSince = (i) => requests.slice(i).filter((r) => /^https?:/.test(r.url));
	const responses = [];
	context.on("response", (r) => responses.push({ url: r.url(), fromSW: r.fromServiceWorker(), status: r.status() }));
	const failedRequests = [];
	context.on("requestfailed", (r) => failedRequests.push({ url: r.url(), error: r.failure()?.errorText }));
	const page = context.pages()[0] || (await context.newPage());
	const consoleErrors = [];
	page.on("console", (m) => {
		if (m.type() === "error") consoleErrors.push(m.text());
	});
	page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
	// a listener from the start: Playwright intercepts file choosers only
	// while one is registered, and registering it late races the key press
	const choosers = [];
	page.on("filechooser", (fc) => choosers.push(fc));
	page.nextChooser = async (timeout = 5000) => {
		const t = Date.now();
		while (!choosers.length) {
			if (Date.now() - t > timeout) throw new Error("no file chooser opened");
			await new Promise((r) => setTimeout(r, 20));
		}
		return choosers.shift();
	};
	const ttfh = [];
	try {
		if (args.bench) {
			await bench(page, server, pageUrl, ttfh);
			return;
		}

		await step("first visit: model size stated, nothing fetched before the button", async () => {
			await page.goto(pageUrl);
			await page.waitForFunction(() => clipadApp.state === "need-download" || clipadApp.state === "error");
			const label = await page.textContent("#load-btn");
			const idx = JSON.parse(fs.readFileSync(path.join(SITE, "models", "index.json"), "utf8"));
			const model = idx.models[0];
			check("download button states the size", /Download the model \(\d+(\.\d+)? (kB|MB|GB)\)/.test(label), label);
			check("no shard requested before the button is pressed", !server.hits.some((h) => /shard-/.test(h.path)), server.hits.map((h) => h.path).join(" "));
			check("demo banner says synthetic planted weights, not CLIP", (await page.isVisible("#demo-banner")) && /synthetic planted weights, not CLIP/i.test(await page.textContent("#demo-banner")) === model.synthetic);
			check("privacy statement is visible", (await page.isVisible("#privacy")) && /nothing is uploaded/i.test(await page.textContent("#privacy")));
			const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
			check("CSP meta present", /default-src 'self'/.test(csp || "") && /script-src 'self' 'wasm-unsafe-eval'/.test(csp), csp);
			check("works without cross-origin isolation", (await page.evaluate(() => self.crossOriginIsolated)) === false);
			await page.screenshot({ path: path.join(ART, "01-first-visit.png"), fullPage: true });
		});

		await step("download: byte progress, hashes checked, shards in Cache Storage", async () => {
			const progress = [];
			await page.exposeFunction("__progress", (v) => progress.push(v)).catch(() => {});
			await page.evaluate(() => {
				const p = document.querySelector("#progress");
				new MutationObserver(() => window.__progress?.([p.value, p.max])).observe(p, { attributes: true });
			});
			await page.click("#load-btn");
			const state = await waitReady(page);
			check("model ready after download", state === "ready", await page.textContent("#model-status"));
			const eng = await page.evaluate(() => clipadApp.pool.workers.map((w) => ({ simd: w.simd, relaxed: w.relaxed })));
			check("Chromium links the SIMD module and its relaxed-SIMD int8 product in every worker", eng.length > 0 && eng.every((w) => w.simd === true && w.relaxed === true), JSON.stringify(eng));
			const man = await page.evaluate(() => clipadApp.bundle.manifest);
			const last = progress.length ? progress[progress.length - 1] : null;
			check("progress reached the total bytes", last && Number(last[0]) === man.total_bytes, JSON.stringify(last));
			check("progress went through intermediate values", progress.length >= man.shards.length, `${progress.length} updates for ${man.shards.length} shards`);
			const text = await page.textContent("#progress-text");
			check("progress text in bytes", /of/.test(text) && /(kB|MB)/.test(text), text);
			const cached = await page.evaluate(async () => {
				const c = await caches.open("clipad-models-v1");
				return Promise.all(clipadApp.bundle.shards.map((s) => c.match(s.url).then((r) => (r ? r.arrayBuffer().then((b) => b.byteLength) : 0))));
			});
			check("every shard is in Cache Storage with its size", cached.every((n, i) => n === man.shards[i].bytes), JSON.stringify(cached));
			await page.evaluate(async () => {
				await navigator.serviceWorker.ready;
				if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
			});
			check("service worker controls the page", await page.evaluate(() => !!navigator.serviceWorker.controller));
			const swReqs = requests.filter((r) => r.sw).length;
			check("the request recorder sees the service worker's own requests too", swReqs > 0, `${requests.length} requests so far, ${swReqs} from the service worker`);
			await page.screenshot({ path: path.join(ART, "02-model-ready.png"), fullPage: true });
		});

		let netMark = requests.length;
		let hitMark = server.hits.length;
		await step("analyse dropped planted images: hot spots, scores, views", async () => {
			netMark = requests.length;
			hitMark = server.hits.length;
			const lt0 = await page.evaluate(() => performance.now());
			await dropFiles(page, samples);
			await waitJobs(page, samples.length);
			await waitBatchScores(page);
			const long = await page.evaluate((t) => clipadApp.longTasks.filter((x) => x.start >= t).map((x) => Math.round(x.ms)), lt0);
			check("the page never blocks while analysing (no main-thread task over 250 ms)", long.every((ms) => ms < 250), `long tasks: ${long.join(", ") || "none"} ms`);
			const js = await jobs(page);
			check("every sample analysed", js.every((j) => j.state === "done"), js.map((j) => `${j.name}:${j.state}${j.error ? ` ${j.error}` : ""}`).join(", "));
			const score = (f) => js.find((j) => j.name === f).result.score;
			const minSpot = Math.min(...spotSamples.map((s) => score(s.file)));
			const maxNormal = Math.max(...normalSamples.map((s) => score(s.file)));
			check("single scores: every planted spot above every normal image", minSpot > maxNormal, `min spot ${minSpot}, max normal ${maxNormal}`);
			const bscore = (f) => js.find((j) => j.name === f).batchScore;
			const minSpotB = Math.min(...spotSamples.map((s) => bscore(s.file)));
			const maxNormalB = Math.max(...normalSamples.map((s) => bscore(s.file)));
			check("batch scores: every planted spot above every normal image", minSpotB > maxNormalB, `min spot ${minSpotB}, max normal ${maxNormalB}`);
			check("image sizes reported", js.every((j) => j.result.width === sample(j.name).width && j.result.height === sample(j.name).height));

			// the hot spot on the canvas
			await setView(page, "raw");
			for (const s of spotSamples) {
				await selectRow(page, s.file);
				const h = await hotSpot(page);
				const sp = s.spot;
				const margin = (24 * Math.max(s.width, s.height)) / 240;
				const inside = h.cx >= sp.X0 && h.cx < sp.X1 && h.cy >= sp.Y0 && h.cy < sp.Y1;
				const near = h.box[0] >= sp.X0 - margin && h.box[1] >= sp.Y0 - margin && h.box[2] <= sp.X1 + margin && h.box[3] <= sp.Y1 + margin;
				check(
					`hot spot of ${s.file} on the canvas lies on the planted spot`,
					h.w === s.width && h.h === s.height && h.unknown === 0 && inside && near && h.max[0] >= sp.X0 && h.max[0] < sp.X1 && h.max[1] >= sp.Y0 && h.max[1] < sp.Y1,
					`canvas ${h.w}×${h.h}, hottest centroid (${h.cx.toFixed(0)},${h.cy.toFixed(0)}), box ${h.box.join(",")}, spot ${sp.X0},${sp.Y0},${sp.X1},${sp.Y1}`,
				);
			}
			await page.screenshot({ path: path.join(ART, "04-view-heatmap.png"), fullPage: true });
			await selectRow(page, spotSamples[1].file);
			await setView(page, "side");
			const side = await page.evaluate(() => [document.querySelector("#view-canvas").width, document.querySelector("#view-canvas").height]);
			check("side-by-side view is twice as wide", side[0] > 2 * spotSamples[1].width && side[1] === spotSamples[1].height, side.join("×"));
			await page.screenshot({ path: path.join(ART, "05-view-side-by-side.png"), fullPage: true });
			await setView(page, "overlay");
			await page.locator("#opacity").fill("0.8");
			check("opacity slider redraws", (await page.textContent("#opacity-out")) === "80%");
			await page.locator("#opacity").fill("0.5");
			await selectRow(page, spotSamples[0].file);
			await page.screenshot({ path: path.join(ART, "03-results-overlay.png"), fullPage: true });
		});

		await step("the page's numbers equal the CLI's (clipad detect, same bundle)", async () => {
			const modelDir = path.join(SITE, path.dirname(JSON.parse(fs.readFileSync(path.join(SITE, "models", "index.json"), "utf8")).models[0].manifest));
			const out = fs.mkdtempSync(path.join(os.tmpdir(), "clipad-e2e-detect-"));
			execFileSync(CLIPAD, ["detect", "-weights", modelDir, "-text", path.join(modelDir, "text_vectors.json"), "-category", "object", "-mode", "single", "-out", out, ...samples.map((s) => path.join(SITE, "samples", s.file))], { stdio: "pipe" });
			const cli = parseCSV(fs.readFileSync(path.join(out, "summary.csv"), "utf8"));
			fs.rmSync(out, { recursive: true, force: true });
			const js = await jobs(page);
			let worst = "";
			const ok = cli.every((row) => {
				const j = js.find((x) => x.name === path.basename(row.file));
				const good = j && close(j.result.score, Number(row.score), 1e-4, 1e-4) && close(j.result.probAbnormal, Number(row.prob_abnormal), 1e-4, 0) && close(j.result.mapMax, Number(row.map_max), 1e-4, 1e-5);
				if (!good) worst = `${row.file}: page ${j && [j.result.score, j.result.probAbnormal, j.result.mapMax]} cli ${[row.score, row.prob_abnormal, row.map_max]}`;
				return good;
			});
			check("score, P(abnormal) and map maximum match clipad detect -mode single", ok && cli.length === samples.length, worst || `${cli.length} images`);
		});

		await step("results list: sorting, threshold, keyboard", async () => {
			await page.click('th button[data-sort="score"]');
			const order = await page.evaluate(() => [...document.querySelectorAll("#results-body tr")].map((tr) => clipadApp.jobs.find((j) => String(j.id) === tr.dataset.id)));
			const sc = order.map((j) => j.result.score);
			check("sorted by score, highest first", sc.every((v, i) => i === 0 || sc[i - 1] >= v) && (await page.getAttribute('th:has(button[data-sort="score"])', "aria-sort")) === "descending", sc.map((v) => v.toFixed(3)).join(" "));
			await page.click('th button[data-sort="score"]');
			const sc2 = await page.evaluate(() => [...document.querySelectorAll("#results-body tr")].map((tr) => clipadApp.jobs.find((j) => String(j.id) === tr.dataset.id).result.score));
			check("second click sorts ascending", sc2.every((v, i) => i === 0 || sc2[i - 1] <= v));
			await page.click('th button[data-sort="name"]');
			const names = await page.$$eval("#results-body td.name", (tds) => tds.map((t) => t.textContent));
			check("sorted by name", names.join() === [...names].sort().join());

			await page.locator("#threshold").fill("1.5");
			let flagged = await page.$$eval("#results-body tr.flagged", (t) => t.length);
			check("threshold 1.5 flags exactly the planted spots", flagged === spotSamples.length, `${flagged} flagged; ${await page.textContent("#flag-summary")}`);
			await page.locator("#threshold").fill("0");
			flagged = await page.$$eval("#results-body tr.flagged", (t) => t.length);
			check("threshold 0 flags every image", flagged === samples.length, `${flagged}`);
			await page.locator("#threshold").fill("1");
			await page.check('input[name="score-mode"][value="batch"]');
			const shown = await page.$$eval("#results-body tr", (trs) => trs.map((tr) => [tr.dataset.id, tr.querySelector("td.score").textContent]));
			const js = await jobs(page);
			check("batch mode shows the batch scores", shown.every(([id, t]) => t === js.find((j) => String(j.id) === id).batchScore.toFixed(3)));
			await page.screenshot({ path: path.join(ART, "06-batch-mode.png"), fullPage: true });
			await page.check('input[name="score-mode"][value="single"]');

			// keyboard: rows (roving tabindex), the category search, the drop zone
			await page.focus('#results-body tr[tabindex="0"]');
			const firstId = await page.evaluate(() => document.activeElement.dataset.id);
			await page.keyboard.press("ArrowDown");
			const secondId = await page.evaluate(() => document.activeElement.dataset.id);
			await page.keyboard.press("Enter");
			await page.waitForFunction((id) => document.querySelector("#view-canvas").dataset.job === id, secondId);
			check("arrow keys move between rows and Enter opens one", firstId !== secondId && (await page.getAttribute(`#results-body tr[data-id="${secondId}"]`, "aria-selected")) === "true");
			await page.focus("#cat-filter");
			await page.keyboard.type("bott");
			await page.keyboard.press("Enter");
			check("category search by keyboard", (await page.evaluate(() => clipadApp.category)) === "bottle");
			await page.fill("#cat-filter", "head");
			await page.keyboard.press("Enter");
			const med = await page.evaluate(() => clipadApp.categories.find((c) => c.name === clipadApp.category));
			check("medical category shows the not-for-diagnostic-use note", med && med.medical && (await page.isVisible("#medical-note")) && /not for diagnostic use/i.test(await page.textContent("#medical-note")), med && med.name);
			await page.fill("#cat-filter", "object");
			await page.keyboard.press("Enter");
			await page.fill("#cat-filter", "");
			check("back to object", (await page.evaluate(() => clipadApp.category)) === "object" && !(await page.isVisible("#medical-note")));
			await page.focus("#drop");
			await page.keyboard.press("Enter");
			const chooser = await page.nextChooser();
			await chooser.setFiles(path.join(SITE, "samples", spotSamples[0].file));
			await waitJobs(page, samples.length + 1);
			check("Enter on the drop zone opens the file picker; the picked image is analysed", (await jobs(page)).length === samples.length + 1);
		});

		await step("exports: CSV, JSON, PNG", async () => {
			const csv = await download(page, "#export-csv", "results.csv");
			const rows = parseCSV(csv.data.toString("utf8"));
			const js = await jobs(page);
			check("CSV has a row per image with the page's scores", rows.length === js.length && rows.every((r) => { const j = js.find((x) => x.name === r.file && Math.abs(x.result.score - Number(r.score_single)) < 1e-9); return !!j; }), `${rows.length} rows; ${csv.name}`);
			check("CSV columns", ["file", "category", "status", "width", "height", "prob_abnormal", "map_max", "score_single", "score_batch", "score", "threshold", "flagged", "model_id"].every((c) => c in rows[0]));
			check("CSV flags the planted spots", rows.filter((r) => r.flagged === "true").every((r) => spotSamples.some((s) => s.file === r.file)) && rows.filter((r) => r.flagged === "true").length === spotSamples.length + 1);
			const json = JSON.parse((await download(page, "#export-json", "results.json")).data.toString("utf8"));
			check("JSON export", json.format === "clipad.results" && json.images.length === js.length && json.model_synthetic === true);
			const s = sample("sample-03-spot-bottom-right.png");
			await selectRow(page, s.file);
			const png = (await download(page, "#export-png", "sample-03_overlay.png")).data;
			const sig = png.subarray(0, 8).toString("hex") === "89504e470d0a1a0a";
			check("heatmap PNG at the image's own size", sig && png.readUInt32BE(16) === s.width && png.readUInt32BE(20) === s.height, `${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
		});

		await step("zero network requests while analysing, viewing and exporting", async () => {
			const net = netSince(netMark);
			const hits = server.hits.slice(hitMark);
			check("no request left the browser (pages, workers, service worker)", net.length === 0, net.map((r) => r.url).join(" "));
			check("the server saw no request", hits.length === 0, hits.map((h) => h.path).join(" "));
		});

		await step("a corrupt image in a batch", async () => {
			await clearResults(page);
			const m0 = requests.length;
			const h0 = server.hits.length;
			const good = sample("sample-02-spot-top-left.png");
			const truncated = { name: "truncated.png", bytes: good.bytes.subarray(0, 300) };
			const garbage = { name: "garbage.jpg", type: "image/jpeg", bytes: Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) & 255)) };
			await dropFiles(page, [good, truncated, garbage, sample("sample-01-normal.png")]);
			await waitJobs(page, 4);
			const js = await jobs(page);
			const by = (n) => js.find((j) => j.name === n);
			check("the good images are analysed", by(good.file).state === "done" && by("sample-01-normal.png").state === "done");
			check("the truncated PNG fails with a clear message", by("truncated.png").state === "failed" && /corrupt or truncated/i.test(by("truncated.png").error), by("truncated.png").error);
			check("the garbage file fails with a clear message", by("garbage.jpg").state === "failed" && /image/i.test(by("garbage.jpg").error), by("garbage.jpg").error);
			check("failed rows are marked in the list", (await page.$$eval("#results-body tr.failed", (t) => t.length)) === 2);
			check("still no network", netSince(m0).length === 0 && server.hits.length === h0);
			await page.screenshot({ path: path.join(ART, "07-corrupt-image.png"), fullPage: true });
		});

		await step("an engine instance crashes mid-batch: reported, replaced, the batch goes on", async () => {
			await clearResults(page);
			const size = await page.evaluate(() => {
				clipadApp.pool.injectCrashes = 1;
				return clipadApp.pool.size;
			});
			await dropFiles(page, samples.slice(0, 5));
			await waitJobs(page, 5);
			const js = await jobs(page);
			const crashed = js.filter((j) => j.state === "failed");
			check("exactly one image failed, with the crash reported", crashed.length === 1 && /crashed/.test(crashed[0].error), crashed.map((j) => j.error).join("; "));
			check("the other images were analysed", js.filter((j) => j.state === "done").length === 4);
			await page.waitForFunction((size) => clipadApp.pool.ready === size, size, { timeout: 30000 });
			const p = await page.evaluate(() => ({ crashes: clipadApp.pool.crashes, replaced: clipadApp.pool.replaced, workers: clipadApp.pool.workers.length, log: clipadApp.log.map((l) => l.text).join(" | ") }));
			check("the worker was replaced and the pool is back to full size", p.crashes === 1 && p.replaced === 1 && p.workers === size, JSON.stringify(p).slice(0, 300));
			check("the crash is reported on the page", /crashed/.test(await page.textContent("#log")) && /crash/.test(await page.textContent("#queue-status")));
			await dropFiles(page, [sample("sample-05-spot-portrait.png")]);
			await waitJobs(page, 6);
			check("the replacement analyses images", (await jobs(page))[5].state === "done");
			await page.screenshot({ path: path.join(ART, "08-worker-crash.png"), fullPage: true });
		});

		await step("cancel a batch", async () => {
			await clearResults(page);
			const many = Array.from({ length: 40 }, (_, i) => ({ ...samples[i % samples.length], name: `copy-${String(i).padStart(2, "0")}-${samples[i % samples.length].file}` }));
			await dropFiles(page, many);
			await page.waitForFunction(() => clipadApp.jobs.some((j) => j.state === "done"), null, { timeout: 30000 });
			await page.click("#cancel-btn");
			const js = await jobs(page);
			const open = js.filter((j) => !TERMINAL.includes(j.state));
			const cancelled = js.filter((j) => j.state === "cancelled").length;
			check("cancel stops the batch at once", open.length === 0 && cancelled > 0, `${cancelled} cancelled, ${js.filter((j) => j.state === "done").length} done`);
			const size = await page.evaluate(() => clipadApp.pool.size);
			await page.waitForFunction((size) => clipadApp.pool.ready === size, size, { timeout: 30000 });
			await clearResults(page);
			await dropFiles(page, [sample("sample-02-spot-top-left.png")]);
			await waitJobs(page, 1);
			check("the pool works after a cancel", (await jobs(page))[0].state === "done");
		});

		await step("pick a folder", async () => {
			await clearResults(page);
			const m0 = requests.length;
			await page.setInputFiles("#folder-input", path.join(SITE, "samples"));
			await waitJobs(page, samples.length);
			const js = await jobs(page);
			check("every image of the folder analysed, with its path, other files skipped", js.length === samples.length && js.every((j) => j.state === "done" && /^samples\//.test(j.name)) && /Skipped 1 file/.test(await page.textContent("#log")), js.map((j) => j.name).join(" "));
			check("still no network", netSince(m0).length === 0);
		});

		await step("DICOM: a series and a multi-frame file, window/level, no patient data anywhere, no network", async () => {
			await clearResults(page);
			const m0 = requests.length;
			const h0 = server.hits.length;
			const S1 = "1.2.826.0.1.3680043.77.2";
			const S2 = "1.2.826.0.1.3680043.77.3";
			const files = [
				// instance 2 of series 1: three frames, 16-bit, the file's own window; the name is patient data
				{ name: "DOE^JANE_PID-12345_19700101.dcm", type: "application/octet-stream", bytes: dicomFile({ rows: 40, cols: 48, frames: 3, series: S1, instance: 2, window: [2000, 4000] }) },
				// instance 1 of series 1, no extension: found by the DICM magic
				{ name: "PID-12345", type: "application/octet-stream", bytes: dicomFile({ rows: 40, cols: 48, series: S1, instance: 1, seed: 3 }) },
				// another series, 8-bit
				{ name: "JANE.dicom", type: "application/octet-stream", bytes: dicomFile({ rows: 32, cols: 32, bits: 8, series: S2, instance: 5 }) },
				// not DICOM, no extension: skipped
				{ name: "NOTES", type: "application/octet-stream", bytes: Buffer.from("x".repeat(200)) },
			];
			await dropFiles(page, files);
			await page.waitForFunction(() => clipadApp.dicomJobs.length === 3 && clipadApp.dicomJobs.every((j) => j.state === "done" || j.state === "failed"), null, { timeout: 60000 });
			await waitJobs(page, 5);
			const st = await page.evaluate(() => ({
				files: clipadApp.dicomJobs.map((j) => ({ state: j.state, error: j.error, frames: j.info && j.info.frames, instance: j.info && j.info.instanceNumber, series: j.info && j.info.seriesKey })),
				jobs: clipadApp.jobs.map((j) => ({ name: j.name, state: j.state, error: j.error, frame: j.frame, w: j.result && j.result.width, h: j.result && j.result.height, window: j.window })),
			}));
			check("three DICOM files opened (.dcm, extension-less by the DICM magic, .dicom), the other file skipped", st.files.length === 3 && st.files.every((f) => f.state === "done") && /Skipped 1 file/.test(await page.textContent("#log")), JSON.stringify(st.files));
			check("every frame is analysed as its own result (3 + 1 + 1)", st.jobs.length === 5 && st.jobs.every((j) => j.state === "done"), JSON.stringify(st.jobs).slice(0, 600));
			check("frames are named by a hash and the frame number", st.jobs.every((j) => /^dicom-[0-9a-f]{16}-f\d{3}$/.test(j.name)), st.jobs.map((j) => j.name).join(" "));
			check("frame size and window from the file", st.jobs.filter((j) => j.w === 48 && j.h === 40).length === 4 && st.jobs.some((j) => j.window && j.window.source === "file" && j.window.center === 2000 && j.window.width === 4000));
			const series = await page.$$eval("#dicom-series-list section.series", (ss) => ss.map((s) => ({ files: [...s.querySelectorAll("li")].map((li) => Number(li.dataset.instance)), frames: s.querySelectorAll(".frame-btn").length })));
			check("the files are listed as series, ordered by instance number, with their frames", (await page.isVisible("#dicom-series")) && series.length === 2 && series.some((s) => s.files.join() === "1,2" && s.frames === 4) && series.some((s) => s.files.join() === "5" && s.frames === 1), JSON.stringify(series));
			check("a visible 'screening aid, not for diagnostic use' note", (await page.isVisible("#medical-results-note")) && /screening aid, not for diagnostic use/i.test(await page.textContent("#medical-results-note")));
			// the multi-frame file's first frame
			const multi = st.jobs.find((j) => j.window && j.window.source === "file");
			await selectRow(page, multi.name);
			check("the window/level control shows for a DICOM frame", (await page.isVisible("#dicom-window")) && /centre 2000, width 4000/.test(await page.textContent("#win-info")), await page.textContent("#win-info"));
			const applied = async () => {
				const v0 = await page.evaluate((n) => clipadApp.jobs.find((x) => x.name === n).renderVersion, multi.name);
				await page.click("#win-apply");
				await page.waitForFunction(({ n, v0 }) => { const j = clipadApp.jobs.find((x) => x.name === n); return j.state === "done" && j.renderVersion > v0; }, { n: multi.name, v0 }, { timeout: 30000 });
				return page.evaluate((n) => clipadApp.jobs.find((x) => x.name === n).window, multi.name);
			};
			await page.selectOption("#win-preset", "minmax");
			const w1 = await applied();
			check("Apply window (minimum–maximum) re-renders and re-analyses the frame", w1 && w1.source === "minmax", JSON.stringify(w1));
			await page.selectOption("#win-preset", "manual");
			await page.fill("#win-center", "1000");
			await page.fill("#win-width", "500");
			const w2 = await applied();
			check("Apply window (manual centre/width)", w2 && w2.source === "user" && w2.center === 1000 && w2.width === 500, JSON.stringify(w2));
			await page.selectOption("#win-preset", "percentile");
			const w3 = await applied();
			check("Apply window (percentile)", w3 && w3.source === "percentile", JSON.stringify(w3));
			await page.screenshot({ path: path.join(ART, "09-dicom.png"), fullPage: true });
			const csv = await download(page, "#export-csv", "dicom-results.csv");
			const json = await download(page, "#export-json", "dicom-results.json");
			const png = await download(page, "#export-png");
			const rows = parseCSV(csv.data.toString("utf8"));
			check("CSV/JSON exports list the frames by hash and frame number", rows.length === 5 && rows.every((r) => /^dicom-[0-9a-f]{16}-f\d{3}$/.test(r.file) && Number(r.frame) >= 1) && JSON.parse(json.data.toString("utf8")).images.length === 5);
			check("the PNG export is named by the hash, not by patient data", /^dicom-[0-9a-f]{16}-f001_overlay\.png$/.test(png.name) && png.data.readUInt32BE(16) === 48 && png.data.readUInt32BE(20) === 40, png.name);
			const exported = [csv.data.toString("latin1"), json.data.toString("latin1"), csv.name, json.name, png.name].join("\n");
			const leaked = [...leaks(exported), ...leaks(png.data.toString("latin1"), true)];
			check("no patient tag or file name in the exports or their names", leaked.length === 0, leaked.join(" "));
			const dom = await page.evaluate(() => document.documentElement.outerHTML + "\n" + clipadApp.log.map((l) => l.text).join("\n") + "\n" + JSON.stringify(clipadApp.jobs.map((j) => ({ name: j.name, result: j.result, info: j.info, window: j.window, error: j.error }))));
			check("no patient tag or file name in the DOM (text, attributes, titles) or the page's state", leaks(dom).length === 0, leaks(dom).join(" "));
			// the browser's own service worker update check (GET /sw.js, no page
			// data; Chromium schedules it by itself) is the one server hit allowed
			const hitsNow = server.hits.slice(h0).filter((h) => h.path !== "/sw.js");
			check("no request left the page while DICOM files were analysed, re-windowed and exported", netSince(m0).length === 0 && hitsNow.length === 0, [...netSince(m0).map((r) => r.url), ...hitsNow.map((h) => `server: ${h.method} ${h.path} ${h.status}`)].join(" "));
			const urls = requests.map((r) => decodeURIComponent(r.url)).join("\n") + server.hits.map((h) => decodeURIComponent(h.path)).join("\n");
			check("no request URL ever held patient data", leaks(urls).length === 0, leaks(urls).join(" "));
			await clearResults(page);
			check("Clear removes the DICOM series too", (await page.evaluate(() => clipadApp.dicomJobs.length)) === 0 && !(await page.isVisible("#dicom-series")));
		});

		await step("second visit: the model comes from the cache, no download", async () => {
			const h0 = server.hits.length;
			await page.goto(pageUrl);
			const state = await waitReady(page);
			const status = await page.textContent("#model-status");
			check("ready from the cache", state === "ready" && /cache/.test(status), status);
			const hits = server.hits.slice(h0).map((h) => h.path);
			check("nothing but the service worker's update check reached the server", hits.every((p) => p === "/sw.js"), hits.join(" ") || "no hits");
			check("no download button on a cached visit", !(await page.isVisible("#load-btn")));
		});

		await step("corrupt and truncated shards: clear message, nothing cached, retry works", async () => {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clipad-e2e-site-"));
			tmpSites.push(dir);
			fs.cpSync(SITE, dir, { recursive: true });
			const idx = JSON.parse(fs.readFileSync(path.join(dir, "models", "index.json"), "utf8"));
			const mdir = path.join(dir, path.dirname(idx.models[0].manifest));
			const man = JSON.parse(fs.readFileSync(path.join(mdir, "manifest.json"), "utf8"));
			const k = Math.min(1, man.shards.length - 1);
			const shardPath = path.join(mdir, man.shards[k].file);
			const good = fs.readFileSync(shardPath);
			const bad = Buffer.from(good);
			bad[bad.length >> 1] ^= 0xff;
			fs.writeFileSync(shardPath, bad);
			const srvB = await startServer(dir);
			const p2 = await context.newPage();
			try {
				await p2.goto(srvB.url);
				await p2.waitForFunction(() => clipadApp.state === "need-download");
				await p2.click("#load-btn");
				await p2.waitForSelector("#model-error:not([hidden])");
				const msg = await p2.textContent("#model-error");
				check("corrupt shard: clear message naming the file", /corrupt/i.test(msg) && msg.includes(man.shards[k].file) && /SHA-256/.test(msg), msg);
				check("a Retry button is offered", await p2.isVisible("#retry-btn"));
				const inCache = await p2.evaluate(async (u) => !!(await (await caches.open("clipad-models-v1")).match(u)), `${srvB.url}${path.relative(dir, shardPath)}`);
				check("the corrupt shard was not cached", !inCache);
				await p2.screenshot({ path: path.join(ART, "09-corrupt-shard.png"), fullPage: true });
				fs.writeFileSync(shardPath, good.subarray(0, good.length - 1000));
				await p2.click("#retry-btn");
				await p2.waitForFunction(() => /truncated/.test(document.querySelector("#model-error").textContent));
				check("truncated shard: clear message", /truncated/.test(await p2.textContent("#model-error")), await p2.textContent("#model-error"));
				fs.writeFileSync(shardPath, good);
				const before = srvB.hits.filter((h) => h.path.endsWith(man.shards[0].file)).length;
				await p2.click("#retry-btn");
				const state = await waitReady(p2);
				check("retry after the file is fixed loads the model", state === "ready" && (await p2.isHidden("#model-error")), await p2.textContent("#model-status"));
				const again = srvB.hits.filter((h) => h.path.endsWith(man.shards[0].file)).length - before;
				check("the retry did not download the good shards again", k === 0 || again === 0, `${again} repeat downloads`);
				// a shard damaged inside Cache Storage: the Go core's own check in
				// the workers catches it, the page drops it and offers a retry
				const url = `${srvB.url}${path.relative(dir, shardPath)}`;
				await p2.evaluate(async (u) => {
					const c = await caches.open("clipad-models-v1");
					const b = new Uint8Array(await (await c.match(u)).arrayBuffer());
					b[7] ^= 1;
					await c.put(u, new Response(b));
				}, url);
				await p2.reload();
				await p2.waitForSelector("#model-error:not([hidden])", { timeout: 30000 });
				const msg2 = await p2.textContent("#model-error");
				check("a shard damaged in the cache is caught by the engine and removed", /damaged/.test(msg2) && /corrupt/.test(msg2) && !(await p2.evaluate(async (u) => !!(await (await caches.open("clipad-models-v1")).match(u)), url)), msg2);
				await p2.click("#retry-btn");
				check("retry downloads it again", (await waitReady(p2)) === "ready");
			} finally {
				await p2.close();
				await srvB.stop();
			}
		});

		await step("offline: server stopped, network off, reload and analyse; time to first heatmap", async () => {
			await server.stop();
			await context.setOffline(true);
			const m0 = requests.length;
			const r0 = responses.length;
			const f0 = failedRequests.length;
			const s = sample("sample-02-spot-top-left.png");
			for (let i = 0; i < 3; i++) {
				const m = await timeToFirstHeatmap(page, pageUrl, s);
				check(`offline reload ${i + 1}: ready from the cache and a heatmap drawn`, m.state === "ready" && m.firstHeatmap > 0, `${m.status.slice(0, 90)}; first heatmap at ${m.firstHeatmap?.toFixed(0)} ms`);
				ttfh.push(m);
			}
			check("the demo banner is shown offline too", await page.isVisible("#demo-banner"));
			await setView(page, "raw");
			const h = await hotSpot(page);
			check("offline heatmap has the hot spot on the planted spot", h.cx >= s.spot.X0 && h.cx < s.spot.X1 && h.cy >= s.spot.Y0 && h.cy < s.spot.Y1, `centroid ${h.cx.toFixed(0)},${h.cy.toFixed(0)}`);
			await setView(page, "overlay");
			await page.screenshot({ path: path.join(ART, "10-offline.png"), fullPage: true });
			const resp = responses.slice(r0).filter((r) => /^https?:/.test(r.url));
			const notSW = resp.filter((r) => !r.fromSW);
			// the service worker's update check fails offline, and a reload
			// aborts what the previous page still had in flight: neither is
			// a request that should have reached the network
			const failedNet = failedRequests.slice(f0).filter((r) => /^https?:/.test(r.url) && !/\/sw\.js$/.test(r.url) && !/ERR_ABORTED/.test(r.error || ""));
			check("offline: every request was answered by the service worker", resp.length > 0 && notSW.length === 0 && failedNet.length === 0, `${netSince(m0).length} requests, ${resp.length} responses, ${notSW.length} not from the service worker (${notSW.map((r) => r.url).join(" ")}), failed: ${failedNet.map((r) => `${r.url} ${r.error}`).join(" ")}`);
			check("no console errors", consoleErrors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED/.test(e)).length === 0, consoleErrors.join(" | ").slice(0, 400));
			check("no CSP violations", (await page.evaluate(() => clipadApp.cspViolations.length)) === 0);
		});
	} finally {
		if (ttfh.length) {
			const nav = ttfh.map((m) => m.firstHeatmap);
			const ready = ttfh.map((m) => m.modelReady);
			const an = ttfh.map((m) => m.firstHeatmap - m.firstDrop);
			const metrics = {
				model: JSON.parse(fs.readFileSync(path.join(SITE, "models", "index.json"), "utf8")).models[0].id,
				workers: Number(args.workers),
				runs: ttfh,
				median_first_heatmap_ms: median(nav),
				median_model_ready_ms: median(ready),
				median_drop_to_heatmap_ms: median(an),
				cpu: os.cpus()[0]?.model,
				cores: os.cpus().length,
			};
			fs.writeFileSync(path.join(ART, "metrics.json"), JSON.stringify(metrics, null, 1));
			console.log(
				`\ntime to first heatmap with the model cached (${metrics.model}, ${args.bench ? "online" : "offline"} reload, image dropped at DOMContentLoaded): median ${median(nav).toFixed(0)} ms after navigation start (engine ready at ${median(ready).toFixed(0)} ms; drop → heatmap ${median(an).toFixed(0)} ms; ${ttfh.length} runs)`,
			);
		}
		await context.close().catch(() => {});
		await server.stop();
		fs.rmSync(userDir, { recursive: true, force: true });
		for (const d of tmpSites) fs.rmSync(d, { recursive: true, force: true });
	}
}

async function bench(page, server, pageUrl, ttfh) {
	await step("bench: download the model once", async () => {
		await page.goto(pageUrl);
		await page.waitForFunction(() => clipadApp.state === "need-download");
		const t = Date.now();
		await page.click("#load-btn");
		const state = await waitReady(page, 600000);
		check("model ready", state === "ready", `${((Date.now() - t) / 1000).toFixed(1)} s download + engine start: ${await page.textContent("#model-status")}`);
		await page.evaluate(async () => {
			await navigator.serviceWorker.ready;
			if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
		});
	});
	await step("bench: time to first heatmap with the model cached", async () => {
		const s = samples.find((x) => x.spot);
		for (let i = 0; i < 3; i++) {
			const h0 = server.hits.length;
			const m = await timeToFirstHeatmap(page, pageUrl, s, 600000);
			const shardHits = server.hits.slice(h0).filter((h) => /shard-/.test(h.path)).length;
			check(`run ${i + 1}: heatmap from the cached model`, m.state === "ready" && shardHits === 0, `first heatmap ${m.firstHeatmap?.toFixed(0)} ms, engine ready ${m.modelReady?.toFixed(0)} ms, analysis ${m.analysisMs?.toFixed(0)} ms in Go, engine memory ${(m.memBytes / 2 ** 20).toFixed(0)} MiB`);
			ttfh.push(m);
		}
		await page.screenshot({ path: path.join(ART, "bench.png"), fullPage: true });
	});
}

main()
	.catch((e) => {
		check("test harness", false, e.stack || String(e));
	})
	.finally(() => {
		console.log(`\n(${((Date.now() - T0) / 1000).toFixed(1)} s)`);
		if (failures.length) console.log(`failed: ${failures.join("; ")}`);
		console.log(`${passed} passed, ${failed} failed`);
		process.exit(failed ? 1 : 0);
	});
