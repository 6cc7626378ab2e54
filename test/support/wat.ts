import createWabt from 'wabt';

const wabt = await createWabt();

/**
 * Assembles WebAssembly text into a binary module, for tests. With
 * `validate: false` an invalid module can be built, to test the validator.
 */
export function wat(text: string, { validate = true } = {}): Uint8Array {
  const module = wabt.parseWat('test.wat', text);
  try {
    module.resolveNames();
    if (validate) module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
