import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built by `npm run build:web` into web/dist, which the server serves at / (src/platform/http/web.ts).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://localhost:3000', '/sandbox': 'http://localhost:3000' } },
});
