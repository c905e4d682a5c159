// sw.js — clipad's service worker (template: js/build-site.mjs fills in
// BUILD and PRECACHE and writes it to the site root, so its scope is the
// whole site).
//
// - install: precache the app shell (page, scripts, Go core, wasm_exec.js,
//   model manifests and text vectors, sample images) in "clipad-shell-BUILD";
// - activate: drop older shell caches, take control of open pages;
// - fetch: cache first for the shell and for model shards (which the page
//   stores in "clipad-models-v1" after checking their SHA-256), network
//   otherwise. Nothing but GET requests to this origin is touched.
// A new site build changes BUILD (it hashes every precached file), so the
// browser sees a new sw.js and installs the new shell; model shards are
// content-addressed and survive updates.
"use strict";

const BUILD = "__BUILD__";
const PRECACHE = [/*__PRECACHE__*/];
const SHELL = "clipad-shell-" + BUILD;
const MODELS = "clipad-models-v1";
const SCOPE = new URL(self.registration.scope).pathname;

self.addEventListener("install", (event) => {
	event.waitUntil(
		(async () => {
			const cache = await caches.open(SHELL);
			await cache.addAll(PRECACHE.map((u) => new Request(u, { cache: "reload" })));
			await self.skipWaiting();
		})(),
	);
});

self.addEventListener("activate", (event) => {
	event.waitUntil(
		(async () => {
			for (const k of await caches.keys()) {
				if (k.startsWith("clipad-shell-") && k !== SHELL) await caches.delete(k);
			}
			await self.clients.claim();
		})(),
	);
});

function isShard(pathname) {
	return /\/shard-\d+-[0-9a-f]+\.bin$/.test(pathname);
}

self.addEventListener("fetch", (event) => {
	const req = event.request;
	if (req.method !== "GET") return;
	const url = new URL(req.url);
	if (url.origin !== self.location.origin) return;
	event.respondWith(
		(async () => {
			const shell = await caches.open(SHELL);
			if (req.mode === "navigate" && (url.pathname === SCOPE || url.pathname === SCOPE + "index.html")) {
				const page = await shell.match(SCOPE);
				if (page) return page;
			}
			const hit = await shell.match(req);
			if (hit) return hit;
			if (isShard(url.pathname)) {
				const m = await (await caches.open(MODELS)).match(url.href);
				if (m) return m;
			}
			return fetch(req);
		})(),
	);
});

self.addEventListener("message", (event) => {
	if (event.data && event.data.type === "build") event.source.postMessage({ type: "build", build: BUILD });
});
