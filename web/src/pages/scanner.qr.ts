// Reading QR codes: the browser's BarcodeDetector where it has one, else jsQR (loaded on first use,
// so it stays out of the main bundle) on pixels drawn to a canvas. Camera frames and photos take
// the same path.

export type DecoderName = 'barcode-detector' | 'jsqr';

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;

function detectorClass(): BarcodeDetectorClass | undefined {
  return (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
}

/** Which decoder this browser will use. */
export function decoderName(): DecoderName {
  return detectorClass() ? 'barcode-detector' : 'jsqr';
}

let jsqr: Promise<typeof import('jsqr').default> | null = null;
/** Loads jsQR (a separate chunk); also called ahead of time so it is cached for offline use. */
export function loadJsQr() {
  jsqr ??= import('jsqr').then((module) => module.default);
  return jsqr;
}

/** Photos are scaled down to this many pixels on the long side: plenty for a QR, quick for jsQR. */
const MAX_SIDE = 1280;

/** A QR reader for one source kind; `read` answers the text of the first code seen, or null. */
export interface QrReader {
  decoder: DecoderName;
  read(source: HTMLVideoElement | ImageBitmap): Promise<string | null>;
}

export function createReader(): QrReader {
  const Detector = detectorClass();
  if (Detector) {
    const detector = new Detector({ formats: ['qr_code'] });
    return {
      decoder: 'barcode-detector',
      read: async (source) => (await detector.detect(source).catch(() => []))[0]?.rawValue ?? null,
    };
  }
  const canvas = document.createElement('canvas');
  return {
    decoder: 'jsqr',
    async read(source) {
      const decode = await loadJsQr();
      const width = source instanceof HTMLVideoElement ? source.videoWidth : source.width;
      const height = source instanceof HTMLVideoElement ? source.videoHeight : source.height;
      if (!width || !height) return null;
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) return null;
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      return decode(pixels.data, pixels.width, pixels.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
    },
  };
}

/** The code in a photo or image file, or null when none is found. */
export async function readImageFile(file: Blob): Promise<{ text: string | null; decoder: DecoderName }> {
  const reader = createReader();
  const bitmap = await createImageBitmap(file);
  try {
    return { text: await reader.read(bitmap), decoder: reader.decoder };
  } finally {
    bitmap.close();
  }
}
