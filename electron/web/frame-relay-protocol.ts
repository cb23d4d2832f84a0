/** Messages between the web shell and its frame relay process (electron/web/frame-relay*.ts), over the fork IPC channel. */
export const FRAME_RELAY_PATH = '/frames';

export interface RelayConfig {
  socketPath: string;
  token: string;
  maxBufferedBytes: number;
}

export type MainToRelay = { type: 'start'; config: RelayConfig } | { type: 'allow-origins'; origins: string[] } | { type: 'close' };
export type RelayToMain = { type: 'ready'; port: number };
