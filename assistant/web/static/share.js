// "Bagikan": the finished image straight into the phone's share sheet (WhatsApp, gallery...).
// Next to every result download button (#download-N on the photo tab, #mk-download-N on the
// packaging tab) a share button appears; it asks that download button for its file (the
// button builds a link and clicks it: that one click is caught, not followed), fetches the
// file and hands it to navigator.share({files}) where navigator.canShare says the phone can;
// anywhere else (a laptop, an old phone) the same link is followed: a plain download.
(() => {
  const LABELS = { id: __LABEL_ID__, en: __LABEL_EN__ };
  const SELECTOR = '[id^="download-"], [id^="mk-download-"]';

  function lang() {
    const picked = document.querySelector('#lang input:checked');
    return picked && picked.value === 'en' ? 'en' : 'id';
  }

  function captureLink(button) {
    let link = null;
    const original = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      if (this.hasAttribute('download') && this.href) link = { href: this.href, name: this.download || 'etalase' };
      else original.call(this);
    };
    try { button.click(); } finally { HTMLAnchorElement.prototype.click = original; }
    return link;
  }

  function download(link) {
    const a = document.createElement('a');
    a.href = link.href; a.download = link.name;
    document.body.appendChild(a); a.click(); a.remove();
    return 'downloaded';
  }

  async function share(button) {
    const link = captureLink(button);
    return link ? shareLink(link) : 'nothing';
  }

  // The one way Etalase hands a file to the phone: the share sheet where it can, else a download.
  // Also used by the Promosi tab's own "Bagikan" (static/promo-share.js) for the photo it shows.
  async function shareLink(link) {
    if (navigator.share && navigator.canShare) {
      try {
        const blob = await (await fetch(link.href, { credentials: 'same-origin' })).blob();
        const file = new File([blob], link.name, { type: blob.type || 'image/jpeg' });
        if (navigator.canShare({ files: [file] })) {
          await navigator.share({ files: [file], title: 'Etalase' });
          return 'shared';
        }
      } catch (err) {
        if (err && err.name === 'AbortError') return 'cancelled';  // the vendor closed the sheet
      }
    }
    return download(link);
  }

  function sync() {
    document.querySelectorAll(SELECTOR).forEach((button) => {
      if (button.tagName !== 'BUTTON' || button.classList.contains('etalase-share')) return;
      let mine = button.nextElementSibling;
      if (!mine || !mine.classList.contains('etalase-share')) {
        mine = document.createElement('button');
        mine.type = 'button';
        mine.id = 'share-' + button.id;
        mine.className = button.className + ' etalase-share';
        mine.addEventListener('click', async () => {
          mine.disabled = true;
          try { mine.dataset.result = await share(button); } finally { mine.disabled = false; }
        });
        button.insertAdjacentElement('afterend', mine);
      }
      const shown = button.offsetParent !== null && !button.disabled;
      const display = shown ? '' : 'none';
      if (mine.style.display !== display) mine.style.display = display;
      const label = LABELS[lang()];
      if (mine.textContent !== label) mine.textContent = label;
    });
  }

  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; sync(); });
  });
  const start = () => { observer.observe(document.body, { childList: true, subtree: true, attributes: true }); sync(); };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
  window.etalaseShare = share;
  window.etalaseShareLink = shareLink;
})();
