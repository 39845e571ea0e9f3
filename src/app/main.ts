import { mount } from 'svelte';
import App from './App.svelte';
import { setUpServiceWorker } from './service-worker.ts';
import './app.css';

const target = document.getElementById('app')!;
const sw = await setUpServiceWorker();
if (!sw.reloading) {
  target.replaceChildren(); // drop the static "Loading…" placeholder
  mount(App, { target, props: { serviceWorkerSupported: sw.supported } });
}
