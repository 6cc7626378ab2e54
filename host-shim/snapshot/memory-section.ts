/**
 * The MEMORY section of a snapshot, built where the guest's memory lies: the
 * VMM scans the pages (which to write, which are zero) and folds the page
 * bytes into the section checksum in place; the file gets the pages as views
 * of guest memory, written without a copy on V8 (copies on wasmtime). Valid
 * until the guest runs again. The DISK section is built the same way from
 * the disk's blocks and their dirty map.
 */
import type { VmmBinding } from '../vmm/binding.js';
import type { GuestMemory } from '../vmm/guest-memory.js';
import { LANE_BYTES, checksumFinish, checksumStart } from './checksum.js';
import { SectionId, type PiecedSection } from './format.js';
import { HEADER, PAGE, TRAILER, ZERO_FLAG, encodeHeader, encodeTrailer, indexBytes } from './memory.js';

export interface MemorySource {
  vmm: VmmBinding;
  /** Store address of the guest's memory, or -1 if it has none. */
  memoryAddr: number;
  /** The guest's memory. */
  memory: GuestMemory;
}

/** Pages to write into a section: their bytes, and the VMM scan that picks and checksums them. */
interface PagesSource {
  vmm: VmmBinding;
  pages: GuestMemory;
  /** pages_index or disk_pages_index: the index at `out`, the pages folded into `lanes`; the count, -1 when unknown. */
  scan(diff: boolean, out: number, lanes: number): number;
}

interface DiskScan {
  disk_pages_index(diff: number, out: number, lanes: number): number;
}

/**
 * A full section (every non-zero page) or a diff (every page dirty, zero or
 * not). `bytes` counts the page data.
 */
export function memorySection(src: MemorySource, diff: boolean): PiecedSection & { bytes: number } {
  const { vmm } = src;
  const scan = (d: boolean, out: number, lanes: number) => (src.memoryAddr >= 0 ? vmm.x.pages_index(src.memoryAddr, d ? 1 : 0, out, lanes) : 0);
  return pagesSection({ vmm, pages: src.memory, scan }, diff, SectionId.Memory);
}

/** The DISK section: every non-zero block of the disk `image` (full) or every dirty one (diff). */
export function diskSection(vmm: VmmBinding, image: GuestMemory, diff: boolean): PiecedSection & { bytes: number } {
  const scan = (d: boolean, out: number, lanes: number) => (vmm.x as unknown as DiskScan).disk_pages_index(d ? 1 : 0, out, lanes);
  return pagesSection({ vmm, pages: image, scan }, diff, SectionId.Disk);
}

function pagesSection(src: PagesSource, diff: boolean, id: number): PiecedSection & { bytes: number } {
  const { vmm, pages: memory } = src;
  const pages = memory.length / PAGE;
  const header = encodeHeader(pages);
  // Index room (a u32 per page, padded), the trailer, the checksum lanes: one VMM buffer.
  const indexCap = indexBytes(pages) + TRAILER;
  const buf = vmm.x.vmm_alloc(HEADER + indexCap + LANE_BYTES);
  try {
    const lanes = buf + HEADER + indexCap;
    vmm.write(lanes, checksumStart());
    // Payload order: header, page bytes, index, trailer; the scan folds the pages in.
    vmm.write(buf, header);
    vmm.x.checksum_update(lanes, buf, HEADER);
    const indexAt = buf + HEADER;
    const count = pages > 0 ? src.scan(diff, indexAt, lanes) : 0;
    if (count < 0) throw new Error('the VMM does not know these pages');
    const index = vmm.read(indexAt, indexBytes(count) + TRAILER);
    // SAFETY (alignment): in place, vmm_alloc returns 16-byte aligned buffers and HEADER is 64
    // bytes; a copy from the wasmtime binding starts on 8 bytes (Node's buffer pool aligns so).
    const entries = new Uint32Array(index.buffer, index.byteOffset, count);
    const pieces: Uint8Array[] = [header];
    let data = 0;
    for (let i = 0; i < count; ) {
      if (entries[i] & ZERO_FLAG) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < count && !(entries[j] & ZERO_FLAG) && entries[j] === entries[j - 1] + 1) j++;
      pieces.push(memory.read(entries[i] * PAGE, (j - i) * PAGE));
      data += j - i;
      i = j;
    }
    const tail = indexBytes(count) + TRAILER;
    index.fill(0, count * 4);
    index.set(encodeTrailer(count, data), indexBytes(count));
    vmm.commit(indexAt, index);
    vmm.x.checksum_update(lanes, indexAt, tail);
    pieces.push(Uint8Array.from(index));
    const length = HEADER + data * PAGE + tail;
    return { id, pieces, length, checksum: checksumFinish(vmm.read(lanes, LANE_BYTES), length), bytes: data * PAGE };
  } finally {
    vmm.x.vmm_free(buf);
  }
}
