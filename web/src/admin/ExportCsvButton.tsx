/**
 * @module A button that downloads one of inventory's CSV exports. The export is fetched with the
 * staff session and handed to the browser as a file, named as the export is.
 */
import { createSignal, Show } from 'solid-js';
import { exportCsv, type MovementQuery } from '../lib/api.ts';

export function ExportCsvButton(props: {
  file: 'stock.csv' | 'movements.csv';
  query?: MovementQuery;
  /** The downloaded file's name (the export's own by default). */
  saveAs?: string;
}) {
  const [busy, setBusy] = createSignal(false);
  const [failed, setFailed] = createSignal(false);

  async function download() {
    setBusy(true);
    setFailed(false);
    try {
      const href = URL.createObjectURL(await exportCsv(props.file, props.query));
      const link = document.createElement('a');
      link.href = href;
      link.download = props.saveAs ?? props.file;
      link.click();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" class="button button-secondary" disabled={busy()} onClick={download}>
        {busy() ? 'Exporting…' : `Export ${props.file}`}
      </button>
      <Show when={failed()}>
        <span class="field-error" role="alert">
          The export failed; try again.
        </span>
      </Show>
    </>
  );
}
