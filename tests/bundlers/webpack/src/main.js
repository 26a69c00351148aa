// What a user's app does: import nunchi by its package name, on the main thread
// and through its Worker client. The test calls window.nunchiSmoke() in the page.
import { Encoder } from 'nunchi';
import { createWorkerClient } from 'nunchi/client';

async function embedWith(Kind, model, texts) {
  const enc = await Kind.load(model);
  const { data, dims } = await enc.embed(texts);
  const rows = [];
  for (let i = 0; i < dims[0]; i++) rows.push(Array.from(data.subarray(i * dims[1], (i + 1) * dims[1])));
  const info = enc.info;
  enc.dispose();
  return { dims, rows, isF32: data instanceof Float32Array, device: info.device };
}

window.nunchiSmoke = async ({ model, texts }) => {
  const main = await embedWith(Encoder, model, texts);
  const client = createWorkerClient();
  const worker = await embedWith(client.Encoder, model, texts);
  client.terminate();
  return { main, worker };
};
document.getElementById('status').textContent = 'ready';
