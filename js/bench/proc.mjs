// proc.mjs — the batch benchmark's controls, each in its own OS process
// (forked by bench.mjs with an IPC channel):
//
//   node proc.mjs host   hosts one bench worker (worker.mjs, one Go core)
//                        in a worker_thread of this process and relays its
//                        messages over IPC. The first message is
//                        {worker, workerData}; after that every message goes
//                        to the worker and every reply comes back. Two such
//                        processes run the same work as two workers of one
//                        process, minus anything the workers share (one V8
//                        process, its platform threads and heap, the
//                        harness's message loop).
//   node proc.mjs spin N integer arithmetic in registers, no memory traffic,
//                        for N iterations; prints the milliseconds. Run once
//                        alone and twice at once, it says how much of two
//                        cores the machine gives right now, with no clipad
//                        code involved.
import { Worker } from "node:worker_threads";

const [mode, arg] = process.argv.slice(2);
if (mode === "spin") {
	const n = Math.max(1, +arg || 1e9);
	const t = performance.now();
	let a = 1, b = 2, c = 3;
	for (let i = 0; i < n; i++) {
		a = (Math.imul(a, 1664525) + 1013904223) | 0;
		b = (b ^ (a >>> 7)) | 0;
		c = (c + (b >>> 3)) | 0;
	}
	const ms = performance.now() - t;
	process.stdout.write(JSON.stringify({ ms, check: a ^ b ^ c }) + "\n");
} else if (mode === "host") {
	process.once("message", (init) => {
		const w = new Worker(init.worker, { workerData: init.workerData });
		w.on("message", (m) => process.send(m));
		w.on("error", (e) => {
			process.send({ id: 0, fatal: String(e && e.stack ? e.stack : e) });
			process.exitCode = 1;
		});
		w.on("exit", () => process.disconnect());
		process.on("message", (m) => w.postMessage(m));
		process.on("disconnect", () => w.terminate());
	});
} else {
	console.error("usage: node proc.mjs host | spin N");
	process.exit(2);
}
