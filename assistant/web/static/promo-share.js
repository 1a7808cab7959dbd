// "Bagikan" in the Promosi tab: the photo open in the grid (else its first) through the same
// share-or-download path as every other "Bagikan" (static/share.js, loaded in the page's head).
async () => {
  const img = document.querySelector("#pr-gallery .preview img") || document.querySelector("#pr-gallery img");
  if (!img || !window.etalaseShareLink) return;
  const name = decodeURIComponent(img.src.split("/").pop().split("?")[0]).replace(/^\d+-/, "") || "etalase.jpg";
  await window.etalaseShareLink({ href: img.src, name });
}
