import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = { '/trpc': { target: 'http://127.0.0.1:3000' } };

/** In development the API runs on :3000; Vite proxies /trpc to it so cookies stay same-origin. */
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true, proxy: api },
  preview: { port: 5173, proxy: api },
});
