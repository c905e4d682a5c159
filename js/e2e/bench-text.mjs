#!/usr/bin/env node
// bench-text.mjs MANIFEST OUT — writes a text-vector asset for a synthetic
// bundle (deterministic pseudo-random unit vectors for two categories), so
// `make bench-page` can time the page with a model of the real size
// without running the text tower. The vectors mean nothing.
import fs from "node:fs";

const [manifestPath, out] = process.argv.slice(2);
if (!manifestPath || !out) {
	console.error("usage: bench-text.mjs MANIFEST OUT");
	process.exit(2);
}
const m = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
const dim = m.config.embed_dim;
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
const unit = () => {
	const v = Array.from({ length: dim }, rnd);
	const n = Math.hypot(...v);
	return v.map((x) => x / n);
};
const cats = ["object", "bottle"].map((name) => ({ name, prompt_name: name, dataset: name === "object" ? "" : "mvtec", reducer: "synthetic", normal: unit(), abnormal: unit() }));
const asset = { format: "clipad.textvectors", version: 1, model_id: m.model_id, config: m.config.name, embed_dim: dim, note: "synthetic benchmark vectors, not text-tower outputs", categories: cats };
fs.writeFileSync(out, JSON.stringify(asset));
