/** The sync protocol and crypto envelope: pure, runs anywhere (Node, Electron main, browser). */
export * from './device-keys';
export * from './encoding';
export * from './envelope';
export * from './invite';
export * from './protocol';
export * from './routes';
export * from './signing';
export * from './sync.contract';
export * from './sync.client';
