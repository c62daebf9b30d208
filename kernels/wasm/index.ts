// The wasm backend's kernel fixes. selectBackend installs them when it activates wasm, before any op runs, so
// every tfjs call on wasm (ours or plain tf.slice / tf.gather) uses the same kernels whatever the call order.
import { installWasmGatherFix } from './gather_fix.js';
import { installWasmSliceFix } from './slice_fix.js';

/** Install the Slice/Unpack/SplitV and GatherV2 replacements (idempotent). Throws when wasm's kernels are missing. */
export function installWasmKernelFixes(): void {
  if (!installWasmSliceFix() || !installWasmGatherFix()) {
    throw new Error('the wasm backend lacks the Slice/Unpack/SplitV/GatherV2 kernels that kernels/wasm replaces');
  }
}
