// The scanner pages' words; i18n.ts merges them into the app's dictionaries.

export const en = {
  scanTitle: 'Check tickets in',
  gate: 'Gate',
  code: 'Ticket code',
  check: 'Check in',
  camera: 'Scan with camera',
  stopCamera: 'Stop camera',
  valid: 'VALID — come in',
  alreadyUsed: 'ALREADY USED',
  invalid: 'INVALID',
  usedAt: 'used at',
} as const;

export const ru: Record<keyof typeof en, string> = {
  scanTitle: 'Проверка билетов',
  gate: 'Вход',
  code: 'Код билета',
  check: 'Пропустить',
  camera: 'Сканировать камерой',
  stopCamera: 'Выключить камеру',
  valid: 'ДЕЙСТВИТЕЛЕН — проходите',
  alreadyUsed: 'УЖЕ ИСПОЛЬЗОВАН',
  invalid: 'НЕДЕЙСТВИТЕЛЕН',
  usedAt: 'использован',
};
