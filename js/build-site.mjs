#!/usr/bin/env node
// build-site.mjs — assembles site/ from built parts (called by `make site`,
// see js/site.mk; it builds nothing itself). Node builtins only.
//
//   node js/build-site.mjs --out site --page index.html --app js/app \
//     --core build/site/clipad.wasm --wasm-exec $(go env GOROOT)/lib/wasm/wasm_exec.js \
//     [--simd-core build/site/clipad-simd.wasm --simd-kernels model/kernels/simd/kernels.wasm --simd-js js/simd/simd.js] \
//     --model BUNDLE_DIR=TEXT_VECTORS.json [--model …] [--samples DIR]
//
// Layout written:
//   index.html, sw.js (scope: the whole site), site.json (build id, core file names)
//   app/*.js, app/style.css        the page's code (unhashed; the service worker versions them)
//   core/clipad-<hash>.wasm, core/wasm_exec-<hash>.js [, simd files]
//   models/index.json              the model list the page offers
//   models/<model_id>-<dtype>/     manifest.json, shard-NNN-<sha>.bin, text_vectors.json
//   samples/                       demo images + index.json
// Everything except the shards is precached by the service worker; shards
// are downloaded on request by the page and kept in Cache Storage.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

function parseArgs(argv) {
	const a = { model: [] };
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i];
		if (!k.startsWith("--")) throw new Error(`unexpected argument ${k}`);
		const key = k.slice(2);
		const v = argv[++i];
		if (v === undefined) throw new Error(`${k} needs a value`);
		if (key === "model") a.model.push(v);
		else a[key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = v;
	}
	for (const need of ["out", "page", "app", "core", "wasmExec"]) {
		if (!a[need]) throw new Error(`--${need.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} is required`);
	}
	if (a.model.length === 0) throw new Error("at least one --model BUNDLE_DIR=TEXT_VECTORS.json is required");
	return a;
}

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

function emptyDir(dir) {
	fs.mkdirSync(dir, { recursive: true });
	for (const e of fs.readdirSync(dir)) {
		if (e === "README.md") continue; // tracked in git
		fs.rmSync(path.join(dir, e), { recursive: true, force: true });
	}
}

function copy(src, dst) {
	fs.mkdirSync(path.dirname(dst), { recursive: true });
	fs.copyFileSync(src, dst);
}

// copyHashed copies src into dir as <stem>-<12 hex>.<ext> and returns the
// site-relative name.
function copyHashed(src, dir, out, stem) {
	const buf = fs.readFileSync(src);
	const ext = path.extname(src);
	const name = `${dir}/${stem}-${sha256(buf).slice(0, 12)}${ext}`;
	copy(src, path.join(out, name));
	return name;
}

function main() {
	const a = parseArgs(process.argv.slice(2));
	const out = a.out;
	emptyDir(out);

	// page and app
	copy(a.page, path.join(out, "index.html"));
	for (const f of fs.readdirSync(a.app)) {
		if (f === "sw.js") continue;
		if (!/\.(js|css|svg|png|json)$/.test(f)) continue;
		copy(path.join(a.app, f), path.join(out, "app", f));
	}

	// core
	const core = {
		wasm: copyHashed(a.core, "core", out, "clipad"),
		wasmExec: copyHashed(a.wasmExec, "core", out, "wasm_exec"),
		simd: null,
	};
	if (a.simdCore && a.simdKernels && a.simdJs) {
		core.simd = {
			wasm: copyHashed(a.simdCore, "core", out, "clipad-simd"),
			kernels: copyHashed(a.simdKernels, "core", out, "kernels"),
			js: copyHashed(a.simdJs, "core", out, "simd"),
		};
	}

	// models
	const models = [];
	for (const spec of a.model) {
		const eq = spec.indexOf("=");
		if (eq < 0) throw new Error(`--model wants BUNDLE_DIR=TEXT_VECTORS.json, got ${spec}`);
		const bundle = spec.slice(0, eq);
		const textPath = spec.slice(eq + 1);
		const manifestBuf = fs.readFileSync(path.join(bundle, "manifest.json"));
		const m = JSON.parse(manifestBuf);
		if (m.format !== "clipad.bundle") throw new Error(`${bundle}/manifest.json is not a clipad bundle`);
		const textBuf = fs.readFileSync(textPath);
		const t = JSON.parse(textBuf);
		if (t.format !== "clipad.textvectors") throw new Error(`${textPath} is not a clipad text-vector asset`);
		if (t.model_id !== m.model_id) {
			throw new Error(`${textPath} is for model ${t.model_id}, the bundle is ${m.model_id}`);
		}
		const id = `${m.model_id}-${m.dtype}`;
		const dir = `models/${id}`;
		for (const s of m.shards) {
			const buf = fs.readFileSync(path.join(bundle, s.file));
			if (buf.length !== s.bytes || sha256(buf) !== s.sha256) {
				throw new Error(`${bundle}/${s.file} does not match its manifest entry`);
			}
			copy(path.join(bundle, s.file), path.join(out, dir, s.file));
		}
		copy(path.join(bundle, "manifest.json"), path.join(out, dir, "manifest.json"));
		copy(textPath, path.join(out, dir, "text_vectors.json"));
		const label = m.synthetic
			? m.config.name === "planted"
				? "Demo model: synthetic planted weights (not CLIP)"
				: `Synthetic ${m.config.name} weights (not CLIP; for timing only)`
			: `CLIP ${m.config.name} (${m.dtype})`;
		models.push({
			id,
			label,
			model_id: m.model_id,
			config: m.config.name,
			image_size: m.config.vision.image_size,
			dtype: m.dtype,
			synthetic: !!m.synthetic,
			bytes: m.total_bytes,
			shards: m.shards.length,
			manifest: `${dir}/manifest.json`,
			manifest_sha256: sha256(manifestBuf),
			text: `${dir}/text_vectors.json`,
			categories: t.categories.length,
		});
	}
	// real weights first: the page offers the first model by default
	models.sort((x, y) => Number(x.synthetic) - Number(y.synthetic));
	fs.writeFileSync(
		path.join(out, "models", "index.json"),
		JSON.stringify({ format: "clipad.models", version: 1, default: models[0].id, models }, null, 1) + "\n",
	);

	// samples
	let samples = null;
	if (a.samples) {
		for (const f of fs.readdirSync(a.samples)) {
			if (/\.(png|jpe?g|json)$/i.test(f)) copy(path.join(a.samples, f), path.join(out, "samples", f));
		}
		if (fs.existsSync(path.join(out, "samples", "index.json"))) samples = "samples/index.json";
	}

	// precache list: every file but the shards, sw.js and READMEs
	const files = [];
	const walk = (rel) => {
		for (const e of fs.readdirSync(path.join(out, rel), { withFileTypes: true })) {
			const r = rel ? `${rel}/${e.name}` : e.name;
			if (e.isDirectory()) walk(r);
			else files.push(r);
		}
	};
	// site.json is written before the walk so it is precached too; its
	// build id is the hash of everything else.
	walk("");
	const precache = files.filter((f) => !/(^|\/)shard-\d+-[0-9a-f]+\.bin$/.test(f) && f !== "sw.js" && !/README\.md$/.test(f)).sort();
	const h = createHash("sha256");
	for (const f of precache) h.update(f + "\0" + sha256(fs.readFileSync(path.join(out, f))) + "\n");
	const build = h.digest("hex").slice(0, 16);
	fs.writeFileSync(path.join(out, "site.json"), JSON.stringify({ format: "clipad.site", build, core, models: "models/index.json", samples }, null, 1) + "\n");
	precache.push("site.json");
	// "./" rather than "index.html": the page is requested as the directory
	const urls = ["./", ...precache.filter((f) => f !== "index.html").map((f) => "./" + f)];
	const sw = fs.readFileSync(path.join(a.app, "sw.js"), "utf8")
		.replace('"__BUILD__"', JSON.stringify(build))
		.replace("[/*__PRECACHE__*/]", JSON.stringify(urls, null, "\t"));
	if (sw.includes("__BUILD__") || sw.includes("__PRECACHE__")) throw new Error("sw.js template placeholders not replaced");
	fs.writeFileSync(path.join(out, "sw.js"), sw);

	let total = 0;
	for (const f of precache) total += fs.statSync(path.join(out, f)).size;
	console.log(`site: ${out}/ build ${build}; ${models.length} model(s): ${models.map((m) => `${m.id} (${(m.bytes / 1e6).toFixed(1)} MB, ${m.shards} shards${m.synthetic ? ", synthetic" : ""})`).join(", ")}; app shell ${(total / 1e6).toFixed(1)} MB precached${core.simd ? "; SIMD core included" : ""}`);
}

try {
	main();
} catch (e) {
	console.error(`build-site: ${e.message}`);
	process.exit(1);
}
