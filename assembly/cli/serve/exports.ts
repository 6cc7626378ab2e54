// Generated from build/vmm.wasm by tools/wasmtime/serve-exports.ts (npm run build:vmm-cli): do not edit.
/**
 * vmm.wasm's entry points (assembly/index.ts), by their index in its export
 * section, for `vmm-cli.wasm serve`: a CALL frame names one by index. Each is
 * called through the function table, exactly as an embedder calls the export,
 * with its arguments' bits from 8-byte slots.
 */
import * as vmm from "../../index";

export const EXPORT_COUNT: i32 = 97;

/** The body of the READY frame: the entry points, as vmm-server.py lists vmm.wasm's. */
export const EXPORT_LIST = "{\"exports\":[{\"name\":\"vmm_alloc\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"vmm_free\",\"params\":[\"i32\"],\"results\":[]},{\"name\":\"config_set\",\"params\":[\"i32\",\"i32\"],\"results\":[]},{\"name\":\"error_status\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"error_message\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"error_offset\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"error_trap\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"module_load\",\"params\":[\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"module_describe\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"func_new_host\",\"params\":[\"i32\",\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_func\",\"params\":[\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"vmm_func\",\"params\":[\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"features_supported\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"features_set_visible\",\"params\":[\"i32\"],\"results\":[]},{\"name\":\"features_visible\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"global_new\",\"params\":[\"i32\",\"i32\",\"i64\"],\"results\":[\"i32\"]},{\"name\":\"global_get\",\"params\":[\"i32\"],\"results\":[\"i64\"]},{\"name\":\"global_set\",\"params\":[\"i32\",\"i64\"],\"results\":[]},{\"name\":\"global_type\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"table_new\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"table_size\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"table_get\",\"params\":[\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"memory_new\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"memory_base\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"memory_pages\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"memory_dirty\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"memory_grow\",\"params\":[\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"dirty_mark_set\",\"params\":[\"i32\"],\"results\":[]},{\"name\":\"instance_new\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"instance_export\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i64\"]},{\"name\":\"instance_start\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"func_type\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"func_kind\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"func_host_id\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"func_ref\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"func_addr\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"checkpoint_save\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"instance_restore\",\"params\":[\"i32\",\"i32\",\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"instance_prepare\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"instance_load\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"thread_active\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"call_begin\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"run\",\"params\":[\"i64\"],\"results\":[\"i32\"]},{\"name\":\"call_abort\",\"params\":[],\"results\":[]},{\"name\":\"results_ptr\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"host_call_id\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"host_call_func\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"host_call_args\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"exit_code\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"fuel_used\",\"params\":[],\"results\":[\"i64\"]},{\"name\":\"pages_index\",\"params\":[\"i32\",\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"checksum_update\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[]},{\"name\":\"page_checksums\",\"params\":[\"i32\",\"i32\",\"i32\",\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_set_args\",\"params\":[\"i32\",\"i32\"],\"results\":[]},{\"name\":\"wasi_set_env\",\"params\":[\"i32\",\"i32\"],\"results\":[]},{\"name\":\"wasi_bind_memory\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_stdin_push\",\"params\":[\"i32\",\"i32\"],\"results\":[]},{\"name\":\"wasi_stdin_close\",\"params\":[],\"results\":[]},{\"name\":\"wasi_stdin_buffered\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_blocked_on\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_sleep_until\",\"params\":[],\"results\":[\"i64\"]},{\"name\":\"wasi_sleep_remaining\",\"params\":[],\"results\":[\"i64\"]},{\"name\":\"wasi_monotonic_now\",\"params\":[],\"results\":[\"i64\"]},{\"name\":\"wasi_set_monotonic\",\"params\":[\"i64\"],\"results\":[]},{\"name\":\"wasi_listen\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_listen_port\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_net_epoch_next\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_net_activity\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_open\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_push\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_rx_end\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_reset\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_flags\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_rx_buffered\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_net_rx_buffered\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_rx_total\",\"params\":[\"i32\"],\"results\":[\"i64\"]},{\"name\":\"wasi_conn_tx_offset\",\"params\":[\"i32\"],\"results\":[\"i64\"]},{\"name\":\"wasi_conn_tx_unsent\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_tx_data\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_tx_sent\",\"params\":[\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_tx_total\",\"params\":[\"i32\"],\"results\":[\"i64\"]},{\"name\":\"wasi_conn_tx_acked\",\"params\":[\"i32\"],\"results\":[\"i64\"]},{\"name\":\"wasi_conn_tx_ack\",\"params\":[\"i32\",\"i64\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_tx_rewind\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_release\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_count\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_conn_id\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_create\",\"params\":[\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_open\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_blocks\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_base\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_dirty\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_free_blocks\",\"params\":[],\"results\":[\"i32\"]},{\"name\":\"wasi_disk_keep_outside\",\"params\":[\"i32\"],\"results\":[]},{\"name\":\"wasi_disk_sync_outside\",\"params\":[\"i32\"],\"results\":[]},{\"name\":\"wasi_disk_synced\",\"params\":[\"i32\"],\"results\":[]},{\"name\":\"disk_pages_index\",\"params\":[\"i32\",\"i32\",\"i32\"],\"results\":[\"i32\"]}]}";

const PARAM_COUNTS: StaticArray<u8> = [1, 1, 2, 0, 0, 0, 0, 2, 1, 4, 2, 2, 0, 1, 0, 3, 1, 2, 1, 3, 1, 2, 3, 1, 1, 1, 2, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 5, 3, 3, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 4, 3, 6, 2, 2, 1, 2, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 3, 1, 1, 1, 1, 0, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 0, 1, 1, 3, 0, 0, 0, 0, 1, 1, 1, 3];
const RESULT_COUNTS: StaticArray<u8> = [1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1];

/** How many arguments entry `index` (below EXPORT_COUNT) takes. */
export function paramCount(index: i32): i32 { return PARAM_COUNTS[index]; }

/** Whether entry `index` (below EXPORT_COUNT) returns a value. */
export function hasResult(index: i32): bool { return RESULT_COUNTS[index] != 0; }

/** Calls entry `index` (below EXPORT_COUNT) with the argument slots at `args`; returns its result's bits (an i32 zero-extended). */
export function callExport(index: i32, args: usize): u64 {
  switch (index) {
    case 0: return <u64>call_indirect<u32>(vmm.vmm_alloc.index, load<i32>(args, 0));
    case 1: { call_indirect<void>(vmm.vmm_free.index, load<i32>(args, 0)); return 0; }
    case 2: { call_indirect<void>(vmm.config_set.index, load<i32>(args, 0), load<i32>(args, 8)); return 0; }
    case 3: return <u64>call_indirect<u32>(vmm.error_status.index);
    case 4: return <u64>call_indirect<u32>(vmm.error_message.index);
    case 5: return <u64>call_indirect<u32>(vmm.error_offset.index);
    case 6: return <u64>call_indirect<u32>(vmm.error_trap.index);
    case 7: return <u64>call_indirect<u32>(vmm.module_load.index, load<i32>(args, 0), load<i32>(args, 8));
    case 8: return <u64>call_indirect<u32>(vmm.module_describe.index, load<i32>(args, 0));
    case 9: return <u64>call_indirect<u32>(vmm.func_new_host.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16), load<i32>(args, 24));
    case 10: return <u64>call_indirect<u32>(vmm.wasi_func.index, load<i32>(args, 0), load<i32>(args, 8));
    case 11: return <u64>call_indirect<u32>(vmm.vmm_func.index, load<i32>(args, 0), load<i32>(args, 8));
    case 12: return <u64>call_indirect<u32>(vmm.features_supported.index);
    case 13: { call_indirect<void>(vmm.features_set_visible.index, load<i32>(args, 0)); return 0; }
    case 14: return <u64>call_indirect<u32>(vmm.features_visible.index);
    case 15: return <u64>call_indirect<u32>(vmm.global_new.index, load<i32>(args, 0), load<i32>(args, 8), load<i64>(args, 16));
    case 16: return <u64>call_indirect<i64>(vmm.global_get.index, load<i32>(args, 0));
    case 17: { call_indirect<void>(vmm.global_set.index, load<i32>(args, 0), load<i64>(args, 8)); return 0; }
    case 18: return <u64>call_indirect<u32>(vmm.global_type.index, load<i32>(args, 0));
    case 19: return <u64>call_indirect<u32>(vmm.table_new.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 20: return <u64>call_indirect<u32>(vmm.table_size.index, load<i32>(args, 0));
    case 21: return <u64>call_indirect<u32>(vmm.table_get.index, load<i32>(args, 0), load<i32>(args, 8));
    case 22: return <u64>call_indirect<u32>(vmm.memory_new.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 23: return <u64>call_indirect<u32>(vmm.memory_base.index, load<i32>(args, 0));
    case 24: return <u64>call_indirect<u32>(vmm.memory_pages.index, load<i32>(args, 0));
    case 25: return <u64>call_indirect<u32>(vmm.memory_dirty.index, load<i32>(args, 0));
    case 26: return <u64>call_indirect<u32>(vmm.memory_grow.index, load<i32>(args, 0), load<i32>(args, 8));
    case 27: { call_indirect<void>(vmm.dirty_mark_set.index, load<i32>(args, 0)); return 0; }
    case 28: return <u64>call_indirect<u32>(vmm.instance_new.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 29: return <u64>call_indirect<i64>(vmm.instance_export.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 30: return <u64>call_indirect<u32>(vmm.instance_start.index, load<i32>(args, 0));
    case 31: return <u64>call_indirect<u32>(vmm.func_type.index, load<i32>(args, 0));
    case 32: return <u64>call_indirect<u32>(vmm.func_kind.index, load<i32>(args, 0));
    case 33: return <u64>call_indirect<u32>(vmm.func_host_id.index, load<i32>(args, 0));
    case 34: return <u64>call_indirect<u32>(vmm.func_ref.index, load<i32>(args, 0));
    case 35: return <u64>call_indirect<u32>(vmm.func_addr.index, load<i32>(args, 0));
    case 36: return <u64>call_indirect<u32>(vmm.checkpoint_save.index, load<i32>(args, 0));
    case 37: return <u64>call_indirect<u32>(vmm.instance_restore.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16), load<i32>(args, 24), load<i32>(args, 32));
    case 38: return <u64>call_indirect<u32>(vmm.instance_prepare.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 39: return <u64>call_indirect<u32>(vmm.instance_load.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 40: return <u64>call_indirect<u32>(vmm.thread_active.index);
    case 41: return <u64>call_indirect<u32>(vmm.call_begin.index, load<i32>(args, 0));
    case 42: return <u64>call_indirect<u32>(vmm.run.index, load<i64>(args, 0));
    case 43: { call_indirect<void>(vmm.call_abort.index); return 0; }
    case 44: return <u64>call_indirect<u32>(vmm.results_ptr.index);
    case 45: return <u64>call_indirect<u32>(vmm.host_call_id.index);
    case 46: return <u64>call_indirect<u32>(vmm.host_call_func.index);
    case 47: return <u64>call_indirect<u32>(vmm.host_call_args.index);
    case 48: return <u64>call_indirect<u32>(vmm.exit_code.index);
    case 49: return <u64>call_indirect<i64>(vmm.fuel_used.index);
    case 50: return <u64>call_indirect<u32>(vmm.pages_index.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16), load<i32>(args, 24));
    case 51: { call_indirect<void>(vmm.checksum_update.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16)); return 0; }
    case 52: return <u64>call_indirect<u32>(vmm.page_checksums.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16), load<i32>(args, 24), load<i32>(args, 32), load<i32>(args, 40));
    case 53: { call_indirect<void>(vmm.wasi_set_args.index, load<i32>(args, 0), load<i32>(args, 8)); return 0; }
    case 54: { call_indirect<void>(vmm.wasi_set_env.index, load<i32>(args, 0), load<i32>(args, 8)); return 0; }
    case 55: return <u64>call_indirect<u32>(vmm.wasi_bind_memory.index, load<i32>(args, 0));
    case 56: { call_indirect<void>(vmm.wasi_stdin_push.index, load<i32>(args, 0), load<i32>(args, 8)); return 0; }
    case 57: { call_indirect<void>(vmm.wasi_stdin_close.index); return 0; }
    case 58: return <u64>call_indirect<u32>(vmm.wasi_stdin_buffered.index);
    case 59: return <u64>call_indirect<u32>(vmm.wasi_blocked_on.index);
    case 60: return <u64>call_indirect<i64>(vmm.wasi_sleep_until.index);
    case 61: return <u64>call_indirect<i64>(vmm.wasi_sleep_remaining.index);
    case 62: return <u64>call_indirect<i64>(vmm.wasi_monotonic_now.index);
    case 63: { call_indirect<void>(vmm.wasi_set_monotonic.index, load<i64>(args, 0)); return 0; }
    case 64: return <u64>call_indirect<u32>(vmm.wasi_listen.index, load<i32>(args, 0));
    case 65: return <u64>call_indirect<u32>(vmm.wasi_listen_port.index);
    case 66: return <u64>call_indirect<u32>(vmm.wasi_net_epoch_next.index);
    case 67: return <u64>call_indirect<u32>(vmm.wasi_net_activity.index);
    case 68: return <u64>call_indirect<u32>(vmm.wasi_conn_open.index, load<i32>(args, 0));
    case 69: return <u64>call_indirect<u32>(vmm.wasi_conn_push.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 70: return <u64>call_indirect<u32>(vmm.wasi_conn_rx_end.index, load<i32>(args, 0));
    case 71: return <u64>call_indirect<u32>(vmm.wasi_conn_reset.index, load<i32>(args, 0));
    case 72: return <u64>call_indirect<u32>(vmm.wasi_conn_flags.index, load<i32>(args, 0));
    case 73: return <u64>call_indirect<u32>(vmm.wasi_conn_rx_buffered.index, load<i32>(args, 0));
    case 74: return <u64>call_indirect<u32>(vmm.wasi_net_rx_buffered.index);
    case 75: return <u64>call_indirect<i64>(vmm.wasi_conn_rx_total.index, load<i32>(args, 0));
    case 76: return <u64>call_indirect<i64>(vmm.wasi_conn_tx_offset.index, load<i32>(args, 0));
    case 77: return <u64>call_indirect<u32>(vmm.wasi_conn_tx_unsent.index, load<i32>(args, 0));
    case 78: return <u64>call_indirect<u32>(vmm.wasi_conn_tx_data.index, load<i32>(args, 0));
    case 79: return <u64>call_indirect<u32>(vmm.wasi_conn_tx_sent.index, load<i32>(args, 0), load<i32>(args, 8));
    case 80: return <u64>call_indirect<i64>(vmm.wasi_conn_tx_total.index, load<i32>(args, 0));
    case 81: return <u64>call_indirect<i64>(vmm.wasi_conn_tx_acked.index, load<i32>(args, 0));
    case 82: return <u64>call_indirect<u32>(vmm.wasi_conn_tx_ack.index, load<i32>(args, 0), load<i64>(args, 8));
    case 83: return <u64>call_indirect<u32>(vmm.wasi_conn_tx_rewind.index, load<i32>(args, 0));
    case 84: return <u64>call_indirect<u32>(vmm.wasi_conn_release.index, load<i32>(args, 0));
    case 85: return <u64>call_indirect<u32>(vmm.wasi_conn_count.index);
    case 86: return <u64>call_indirect<u32>(vmm.wasi_conn_id.index, load<i32>(args, 0));
    case 87: return <u64>call_indirect<u32>(vmm.wasi_disk_create.index, load<i32>(args, 0));
    case 88: return <u64>call_indirect<u32>(vmm.wasi_disk_open.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
    case 89: return <u64>call_indirect<u32>(vmm.wasi_disk_blocks.index);
    case 90: return <u64>call_indirect<u32>(vmm.wasi_disk_base.index);
    case 91: return <u64>call_indirect<u32>(vmm.wasi_disk_dirty.index);
    case 92: return <u64>call_indirect<u32>(vmm.wasi_disk_free_blocks.index);
    case 93: { call_indirect<void>(vmm.wasi_disk_keep_outside.index, load<i32>(args, 0)); return 0; }
    case 94: { call_indirect<void>(vmm.wasi_disk_sync_outside.index, load<i32>(args, 0)); return 0; }
    case 95: { call_indirect<void>(vmm.wasi_disk_synced.index, load<i32>(args, 0)); return 0; }
    case 96: return <u64>call_indirect<u32>(vmm.disk_pages_index.index, load<i32>(args, 0), load<i32>(args, 8), load<i32>(args, 16));
  }
  return 0;
}
