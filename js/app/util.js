// util.js — small helpers shared by the page's modules.

export const $ = (sel) => document.querySelector(sel);

export function fmtBytes(n) {
	if (n < 1e3) return `${n} B`;
	if (n < 1e6) return `${(n / 1e3).toFixed(0)} kB`;
	if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
	return `${(n / 1e9).toFixed(2)} GB`;
}

export function fmtScore(s) {
	return s === undefined || s === null || Number.isNaN(s) ? "…" : s.toFixed(3);
}

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|bmp|avif|tiff?)$/i;

export function isImageName(name) {
	return IMAGE_EXT.test(name);
}

export function stem(name) {
	const base = name.split("/").pop();
	const dot = base.lastIndexOf(".");
	return (dot > 0 ? base.slice(0, dot) : base).replace(/[^\w.-]+/g, "_");
}

// download saves a Blob under a file name (no network: a blob: URL).
export function download(blob, name) {
	const a = document.createElement("a");
	a.href = URL.createObjectURL(blob);
	a.download = name;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// filesFromDrop lists the files of a drop, walking dropped folders.
// Returns [{file, name}] with name the path inside a dropped folder.
export async function filesFromDrop(dt) {
	// entries must be taken before the first await: the DataTransfer
	// is emptied when the event handler returns
	const items = [...(dt.items || [])].filter((i) => i.kind === "file");
	const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
	const files = [...(dt.files || [])];
	if (!entries.length || entries.some((e) => !e)) return files.map((f) => ({ file: f, name: f.name }));
	const out = [];
	const walk = async (entry, prefix) => {
		if (entry.isFile) {
			const f = await new Promise((res, rej) => entry.file(res, rej));
			out.push({ file: f, name: prefix + f.name });
		} else if (entry.isDirectory) {
			const reader = entry.createReader();
			for (;;) {
				const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
				if (!batch.length) break;
				for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
			}
		}
	};
	for (const e of entries) await walk(e, "");
	return out;
}
