/**
 * Fault injection points of the migration protocol, for the failure-contract
 * tests (test/host/kill.test.ts): a host started with
 * WASMOTION_FAILPOINT=NAME kills itself with SIGKILL, as a crash would, when
 * a migration reaches point NAME. Killing a host from outside when a
 * progress event says "switchover" races the switchover itself, which takes
 * a few milliseconds; a point inside the protocol does not.
 *
 *   destination-state   the destination has read STATE and not yet
 *                       answered READY: the source has not sent GO
 */
export type Failpoint = 'destination-state';

const armed = process.env.WASMOTION_FAILPOINT;

export function failpoint(name: Failpoint): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
