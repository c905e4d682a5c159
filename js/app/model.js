// model.js — the model bundle on the page side: the model list, the
// manifest, which shards are already in Cache Storage, and downloading the
// missing ones with byte progress. Every shard's size and SHA-256 are
// checked (crypto.subtle) before it is stored; a corrupt or truncated
// shard is never cached. The workers read the shards from the cache
// themselves (js/app/worker.js) and the Go core checks them again.

export const MODEL_CACHE = "clipad-models-v1";

export class ShardError extends Error {
	constructor(message, shard, index) {
		super(message);
		this.shard = shard;
		this.index = index;
	}
}

export async function fetchJSON(url) {
	const r = await fetch(url);
	if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
	return r.json();
}

export async function fetchText(url) {
	const r = await fetch(url);
	if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
	return r.text();
}

function hex(buf) {
	return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Bundle {
	// entry: one item of models/index.json; base: the site's base URL.
	constructor(entry, base) {
		this.entry = entry;
		this.base = base;
		this.manifestUrl = new URL(entry.manifest, base).href;
		this.textUrl = new URL(entry.text, base).href;
		this.dir = new URL(".", this.manifestUrl).href;
	}

	async loadManifest() {
		this.manifestText = await fetchText(this.manifestUrl);
		const m = JSON.parse(this.manifestText);
		if (m.format !== "clipad.bundle") throw new Error("the model manifest is not a clipad bundle");
		this.manifest = m;
		this.shards = m.shards.map((s) => ({ ...s, url: new URL(s.file, this.dir).href }));
		return m;
	}

	async loadText() {
		this.text = await fetchText(this.textUrl);
		const t = JSON.parse(this.text);
		if (t.format !== "clipad.textvectors") throw new Error("the text-vector asset is not in clipad's format");
		if (this.manifest && t.model_id !== this.manifest.model_id) {
			throw new Error(`the text vectors are for model ${t.model_id}, the bundle is ${this.manifest.model_id}`);
		}
		this.categories = t.categories.map((c) => ({ name: c.name, dataset: c.dataset || "", medical: !!c.medical }));
		return this.categories;
	}

	get totalBytes() {
		return this.manifest.total_bytes;
	}

	// cached returns which shards are in Cache Storage.
	async cached() {
		const cache = await caches.open(MODEL_CACHE);
		const have = await Promise.all(this.shards.map((s) => cache.match(s.url).then((r) => !!r)));
		const bytes = this.shards.reduce((n, s, i) => n + (have[i] ? s.bytes : 0), 0);
		return { have, bytes, complete: have.every(Boolean) };
	}

	// download fetches the shards not cached yet, one after the other, and
	// stores each after checking it. progress({done, total, shard, shards}).
	// signal: an AbortSignal.
	async download(progress, signal) {
		const cache = await caches.open(MODEL_CACHE);
		const { have } = await this.cached();
		const total = this.totalBytes;
		let done = this.shards.reduce((n, s, i) => n + (have[i] ? s.bytes : 0), 0);
		progress({ done, total, shard: 0, shards: this.shards.length });
		for (let i = 0; i < this.shards.length; i++) {
			if (have[i]) continue;
			const s = this.shards[i];
			const label = `Model file ${i + 1} of ${this.shards.length} (${s.file})`;
			let resp;
			try {
				resp = await fetch(s.url, { cache: "no-store", signal });
			} catch (e) {
				if (signal?.aborted) throw e;
				throw new ShardError(`Could not download model file ${i + 1} of ${this.shards.length} (${s.file}): the network request failed (${e.message}). Check the connection and retry.`, s, i);
			}
			if (!resp.ok) throw new ShardError(`Could not download model file ${i + 1} of ${this.shards.length} (${s.file}): the server answered HTTP ${resp.status}.`, s, i);
			const buf = new Uint8Array(s.bytes);
			let got = 0;
			const reader = resp.body.getReader();
			for (;;) {
				let chunk;
				try {
					chunk = await reader.read();
				} catch (e) {
					if (signal?.aborted) throw e;
					throw new ShardError(`The download of model file ${i + 1} of ${this.shards.length} (${s.file}) broke off after ${got} bytes (${e.message}). Press Retry to continue.`, s, i);
				}
				if (chunk.done) break;
				const v = chunk.value;
				if (got + v.length > s.bytes) {
					reader.cancel();
					throw new ShardError(`${label} is larger than the manifest says (${s.bytes} bytes): the file on the server does not belong to this model.`, s, i);
				}
				buf.set(v, got);
				got += v.length;
				progress({ done: done + got, total, shard: i + 1, shards: this.shards.length });
			}
			if (got !== s.bytes) {
				throw new ShardError(`${label} is truncated: ${got} of ${s.bytes} bytes arrived. It was not stored. Press Retry to download it again.`, s, i);
			}
			const sum = hex(await crypto.subtle.digest("SHA-256", buf));
			if (sum !== s.sha256) {
				throw new ShardError(
					`${label} is corrupt: its SHA-256 (${sum.slice(0, 12)}…) does not match the model's manifest (${s.sha256.slice(0, 12)}…), so it was damaged on the way or the server has a wrong file. It was not stored. Press Retry to download it again; if it keeps failing, the site needs to be rebuilt.`,
					s,
					i,
				);
			}
			await cache.put(
				s.url,
				new Response(buf, { headers: { "Content-Type": "application/octet-stream", "Content-Length": String(s.bytes), "X-Clipad-SHA256": s.sha256 } }),
			);
			done += s.bytes;
			progress({ done, total, shard: i + 1, shards: this.shards.length });
		}
	}

	async forget(index) {
		const cache = await caches.open(MODEL_CACHE);
		if (index === undefined) {
			await Promise.all(this.shards.map((s) => cache.delete(s.url)));
		} else {
			await cache.delete(this.shards[index].url);
		}
	}
}

// pruneCache deletes cached shards outside the listed models' directories
// (bundles of an older site build). Returns the number deleted.
export async function pruneCache(keepDirs) {
	const cache = await caches.open(MODEL_CACHE);
	let n = 0;
	for (const req of await cache.keys()) {
		if (!keepDirs.some((d) => req.url.startsWith(d))) {
			await cache.delete(req);
			n++;
		}
	}
	return n;
}
