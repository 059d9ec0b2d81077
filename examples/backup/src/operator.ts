/**
 * The Backup operator: its definition (what `operon generate` reads) and, when run directly, the
 * operator itself: `node src/operator.ts` with a kubeconfig, or in a cluster from its image.
 */

import { defineOperator } from 'operon/manager';
import { Backup } from './backup.ts';
import { backupController } from './controller.ts';

export const NAME = 'backup-operator';

const operator = defineOperator({
  name: NAME,
  namespace: `${NAME}-system`,
  image: 'ghcr.io/operon-dev/backup-operator:0.1.0',
  resources: [Backup],
  controllers: [backupController],
});
export default operator;

if (import.meta.main) process.exitCode = await operator.run();
