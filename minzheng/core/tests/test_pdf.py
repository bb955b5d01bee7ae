import io

import pypdf

from minzheng.core import pdf


def test_pdf_embeds_a_chinese_font_and_the_text_can_be_extracted():
    content = pdf.build(
        title="临时救助审批通知书",
        flowables=[
            pdf.para("临时救助审批通知书", "title"),
            pdf.para("陈大文：您申请的临时救助已获批准，金额 2,400.00 元。"),
            pdf.table([["项目", "金额（元）"], ["遗体接运", "180.00"]]),
            pdf.qr_image("https://minzheng.example/verify/ABC"),
        ],
    )
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = reader.pages[0].extract_text()
    assert "临时救助审批通知书" in text and "金额 2,400.00 元" in text and "遗体接运" in text
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("WenQuanYiMicroHei" in f for f in fonts)  # an embedded subset of the TrueType font
    assert reader.metadata.title == "临时救助审批通知书"
