// "Bagikan": the photo open in the Promosi grid (else its first) to the phone's share sheet,
// so it lands in WhatsApp; where the browser cannot share files, the photo is downloaded.
async () => {
  const img = document.querySelector("#pr-gallery .preview img") || document.querySelector("#pr-gallery img");
  if (!img) return;
  const blob = await (await fetch(img.src)).blob();
  const name = decodeURIComponent(img.src.split("/").pop().split("?")[0]).replace(/^\d+-/, "") || "etalase.jpg";
  const file = new File([blob], name, { type: blob.type || "image/jpeg" });
  if (navigator.canShare && navigator.canShare({ files: [file] })) {
    try { await navigator.share({ files: [file] }); } catch (e) { /* the vendor closed the sheet */ }
    return;
  }
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
