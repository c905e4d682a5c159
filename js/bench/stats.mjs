// stats.mjs — the small numeric helpers the bench harnesses share.

// median of a list of numbers (null for an empty list; the mean of the two
// middle values for an even count)
export function median(v) {
	if (!v.length) return null;
	const s = [...v].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// cosine of two equal-length vectors
export function cos(a, b) {
	let d = 0, x = 0, y = 0;
	for (let i = 0; i < a.length; i++) {
		d += a[i] * b[i];
		x += a[i] * a[i];
		y += b[i] * b[i];
	}
	return d / Math.sqrt(x * y);
}

// largest |a[i] − b[i]|
export function maxAbsDiff(a, b) {
	let m = 0;
	for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
	return m;
}

// count parses a command-line count (--reps 3) or exits with a usage error:
// a flag that is not a whole number must not turn into NaN rounds.
export function count(flag, v, min) {
	const n = Number(v);
	if (!Number.isInteger(n) || n < min) {
		console.error(`--${flag} ${v}: want a whole number ≥ ${min}`);
		process.exit(2);
	}
	return n;
}
