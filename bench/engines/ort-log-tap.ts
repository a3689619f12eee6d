// Captures onnxruntime-web's log lines. ORT's wasm module prints through console.log /
// console.error, bound once when the module is instantiated (at the first session), and offers
// no log callback; so before that first session we route both through a tap. Lines in ORT's
// format go to the active capture (or, with none, are dropped below warning level); every other
// line passes through unchanged.

type Print = (...args: unknown[]) => void;

/** "2026-12-04 20:56:23.671440 [V:onnxruntime:, session_state.cc:1578 …] …" */
const ortLine = /^(?:\x1b\[[0-9;]*m)?\S+ \S+ \[([VIWEF]):onnxruntime:/;

let installed = false;
let capture: string[] | null = null;

/** Routes console.log/console.error through the tap; must run before ORT's wasm is loaded. */
export function installOrtLogTap(): void {
  if (installed) return;
  installed = true;
  for (const method of ['log', 'error'] as const) {
    const original: Print = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const first = args[0];
      const match = typeof first === 'string' ? ortLine.exec(first) : null;
      if (!match) return original(...args);
      if (capture) capture.push(first as string);
      else if (match[1] !== 'V' && match[1] !== 'I') original(...args);
    };
  }
}

/** Runs `body` and returns the ORT log lines printed meanwhile (calls must not overlap). */
export async function captureOrtLog<T>(
  body: () => Promise<T>,
): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  capture = lines;
  try {
    return { value: await body(), lines };
  } finally {
    capture = null;
  }
}
