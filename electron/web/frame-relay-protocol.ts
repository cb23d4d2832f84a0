/** Messages between the web shell's main thread and its frame relay thread (electron/web/frame-relay*.ts). */
export const FRAME_RELAY_PATH = '/frames';

export interface RelayWorkerData {
  socketPath: string;
  token: string;
  maxBufferedBytes: number;
}

export type MainToRelay = { type: 'allow-origins'; origins: string[] } | { type: 'close' };
export type RelayToMain = { type: 'ready'; port: number };
