// Staff camera scanner: reads a member's QR code into the check-in form (jsQR, served locally).
document.getElementById("start-cam").addEventListener("click", async () => {
  const video = document.getElementById("cam"), canvas = document.getElementById("frame"), ctx = canvas.getContext("2d");
  video.srcObject = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
  await video.play();
  const tick = () => {
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const code = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      if (code) { document.getElementById("code").value = code.data; document.getElementById("code").focus(); return; }
    }
    requestAnimationFrame(tick);
  };
  tick();
});
