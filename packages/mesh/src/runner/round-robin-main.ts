/**
 * @module The round-robin of a Service with replicas as a process of its own (started by
 * `startRoundRobinProcess`), as Knative's activator is a component of its own: its work never
 * competes with the mesh's event loop. Told its port and instances in ROUND_ROBIN (JSON); over IPC,
 * `{down}` marks an instance down, `{check}` checks every instance and answers `{checked}`. It exits
 * when its parent goes away.
 */
import { startRoundRobin } from './round-robin.ts';

const { port, instances } = JSON.parse(process.env.ROUND_ROBIN ?? '{}') as {
  port: number;
  instances: string[];
};
const proxy = await startRoundRobin({ port, instances });
process.on('message', (message: { down?: string; check?: number }) => {
  if (message.down) proxy.markDown(message.down);
  if (message.check !== undefined) {
    void proxy.checkHealth().then(() => process.send?.({ checked: message.check }));
  }
});
process.on('disconnect', () => {
  void proxy.close().finally(() => process.exit(0));
});
process.on('SIGTERM', () => {
  void proxy.close().finally(() => process.exit(0));
});
process.send?.({ url: proxy.url });
